package command

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// HelpProblems lists what is wrong with the help of a Setup app and its
// subcommands, one line each: a flag that takes a value without naming it
// (a backquoted placeholder in its usage, not "value"), a default printed
// although the usage gives it, and a flag no environment variable sets.
// The commands' tests call it, so that a flag added later keeps the rules.
func HelpProblems(app *cli.App) []string {
	var p []string
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			df, ok := f.(cli.DocGenerationFlag)
			if !ok {
				p = append(p, where+" --"+f.Names()[0]+": not a urfave/cli flag with help")
				continue
			}
			line := strings.TrimSpace(flagString(f))
			name, _ := Placeholder(df.GetUsage())
			switch {
			case df.TakesValue() && name == "":
				p = append(p, where+": no `PLACEHOLDER` in the usage: "+line)
			case len(df.GetEnvVars()) == 0:
				p = append(p, where+": no environment variable: "+line)
			}
			lower := strings.ToLower(line)
			if i := strings.Index(lower, "(default: "); i >= 0 && strings.Contains(lower[:i], "default") {
				p = append(p, where+": the default twice: "+line)
			}
		}
	}
	check(app.Name, app.Flags)
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			check(prefix+" "+c.Name, c.Flags)
			walk(prefix+" "+c.Name, c.Subcommands)
		}
	}
	walk(app.Name, app.Commands)
	return p
}
