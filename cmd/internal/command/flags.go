package command

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/urfave/cli/v2"
)

// prepareFlags returns copies of flags, each readable from the environment
// variable prefix_NAME (or its name in shared), with --quiet added, read
// from appPrefix_QUIET. The flags are copied because commands share flag
// values (gan-eval's -n is in three commands) and each copy names its own
// variable.
func prepareFlags(flags []cli.Flag, appPrefix, prefix string, shared map[cli.Flag]string) []cli.Flag {
	out := make([]cli.Flag, 0, len(flags)+1)
	quiet := false
	for _, f := range flags {
		quiet = quiet || hasName(f, "quiet")
		env, ok := shared[f]
		if !ok {
			env = EnvName(prefix, f)
		}
		out = append(out, withEnv(f, env))
	}
	if !quiet {
		out = append(out, withEnv(quietFlag(), appPrefix+"_QUIET"))
	}
	return out
}

func hasName(f cli.Flag, name string) bool {
	for _, n := range f.Names() {
		if n == name {
			return true
		}
	}
	return false
}

// EnvName is the environment variable that sets flag f of the command with
// prefix: prefix_ and the flag's first long name in upper case, - as _
// (GAN_GEN_COUNT for -n/--count).
func EnvName(prefix string, f cli.Flag) string {
	names := f.Names()
	name := names[0]
	for _, n := range names {
		if len(n) > 1 {
			name = n
			break
		}
	}
	return prefix + "_" + envWord(name)
}

func envWord(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// withEnv returns a copy of f whose EnvVars are env. Every urfave/cli flag
// is a struct with an EnvVars field; one that is not is returned as it is.
func withEnv(f cli.Flag, env string) cli.Flag {
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return f
	}
	field := v.Elem().FieldByName("EnvVars")
	if !field.IsValid() || field.Type() != reflect.TypeOf([]string(nil)) {
		return f
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	c.Elem().FieldByName("EnvVars").Set(reflect.ValueOf([]string{env}))
	return c.Interface().(cli.Flag)
}

// flagString is the help line of a flag: its names with the placeholder
// the usage text names in backquotes, the usage, the default where the
// usage does not already give it, and the environment variable.
func flagString(f cli.Flag) string {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return fmt.Sprint(f)
	}
	placeholder, usage := Placeholder(df.GetUsage())
	if df.TakesValue() && placeholder == "" {
		placeholder = "value"
	}
	var b strings.Builder
	for i, n := range df.Names() {
		if i > 0 {
			b.WriteString(", ")
		}
		if len(n) == 1 {
			b.WriteString("-" + n)
		} else {
			b.WriteString("--" + n)
		}
		if placeholder != "" {
			b.WriteString(" " + placeholder)
		}
	}
	b.WriteString("\t" + usage)
	if d := shownDefault(df, usage); d != "" {
		b.WriteString(" (default: " + d + ")")
	}
	if env := df.GetEnvVars(); len(env) > 0 {
		b.WriteString(" [$" + strings.Join(env, ", $") + "]")
	}
	return b.String()
}

// Placeholder splits a usage text into the name in its first pair of
// backquotes (the value's placeholder, "" when there is none) and the text
// without the backquotes.
func Placeholder(usage string) (name, text string) {
	i := strings.IndexByte(usage, '`')
	if i < 0 {
		return "", usage
	}
	j := strings.IndexByte(usage[i+1:], '`')
	if j < 0 {
		return "", usage
	}
	name = usage[i+1 : i+1+j]
	return name, usage[:i] + name + usage[i+2+j:]
}

// shownDefault is the default to print after a flag's usage, or "" where
// printing it would say nothing or say it twice: for a switch (it is off
// unless given), where the usage mentions the default itself, and for a
// zero value whose meaning the usage gives ("(0: off)").
func shownDefault(df cli.DocGenerationFlag, usage string) string {
	if !df.TakesValue() || strings.Contains(strings.ToLower(usage), "default") {
		return ""
	}
	d := df.GetDefaultText()
	switch d {
	case "", `""`, "[]":
		return ""
	case "0", "0s":
		if strings.Contains(usage, "0:") {
			return ""
		}
	}
	return d
}
