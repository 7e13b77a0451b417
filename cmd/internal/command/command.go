// Package command holds what gan-train, gan-gen and gan-eval share so
// that they behave as one tool: the exit statuses, usage errors printed as
// one line, flags that can also come from environment variables, --quiet,
// --version and the terminal check. Only the commands import it (they are
// the only importers of urfave/cli).
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/internal/version"
)

// Exit statuses of every gogan command; 0 is success.
const (
	ExitFailure     = 1   // a failure at run time: unreadable data, an unwritable output, no runtime library
	ExitUsage       = 2   // a problem with the command line: flags, arguments, input files
	ExitInterrupted = 130 // stopped by SIGINT or SIGTERM, as a shell reports SIGINT
)

// UsageError marks a problem with the command line (exit status 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, a ...any) error { return UsageError{fmt.Errorf(format, a...)} }

// ErrInterrupted is returned when SIGINT or SIGTERM stops a command.
var ErrInterrupted = errors.New("interrupted")

// A Rule classifies the errors of a library a command uses: it returns the
// exit status for err and true, or false when err is not its kind.
type Rule func(err error) (int, bool)

// UsageAs is the Rule that errors which are, or wrap, an E are usage errors
// (*infer.ModelError).
func UsageAs[E error]() Rule {
	return func(err error) (int, bool) {
		var e E
		return ExitUsage, errors.As(err, &e)
	}
}

// InterruptedBy is the Rule that errors which are, or wrap, target mean the
// command was interrupted (train.ErrInterrupted).
func InterruptedBy(target error) Rule {
	return func(err error) (int, bool) { return ExitInterrupted, errors.Is(err, target) }
}

// Code maps err to the exit status: 0 for nil, 130 for an interruption
// (ErrInterrupted, a cancelled context), 2 for a UsageError, what the first
// matching rule says, and 1 for anything else.
func Code(err error, rules ...Rule) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, new(UsageError)):
		return ExitUsage
	}
	for _, r := range rules {
		if code, ok := r(err); ok {
			return code
		}
	}
	return ExitFailure
}

// Run runs app on args (args[0] is the program), prints an error as one
// line, "name: message", to the app's stderr, and returns the exit status.
// With GOGAN_CPUPROFILE or GOGAN_MEMPROFILE set it also writes a pprof
// profile of the run (profile.go).
func Run(app *cli.App, args []string, rules ...Rule) int {
	stderr := app.ErrWriter // --quiet replaces app.ErrWriter, never this
	stop, err := startProfiles(stderr)
	if err == nil {
		err = app.Run(args)
	}
	stop()
	if err != nil {
		msg := err.Error()
		if errors.Is(err, context.Canceled) {
			msg = ErrInterrupted.Error()
		}
		fmt.Fprintf(stderr, "%s: %s\n", app.Name, msg)
	}
	return Code(err, rules...)
}

// Setup makes app behave as every gogan command does, and returns it:
//   - a flag the command line gets wrong is a UsageError that names the
//     help to read, printed as one line by Run, never the whole help;
//   - every flag can also be set by an environment variable, listed in the
//     help: prefix_FLAG for the app's flags (GAN_TRAIN_LR_G), and
//     prefix_COMMAND_FLAG for a subcommand's own flags
//     (GAN_TRAIN_PROJECT_STEPS), as one name may mean different things in
//     two commands; a subcommand flag that is the very flag value of the
//     app (gan-eval's -n in compare) keeps the app's name;
//   - every command takes --quiet (-q, prefix_QUIET): stderr then carries
//     only warnings (and the error, if any, printed by Run);
//   - --version prints gogan's one version;
//   - help shows each flag with its placeholder, and its default only
//     where the usage text does not already give it.
func Setup(app *cli.App, prefix string) *cli.App {
	cli.FlagStringer = flagString
	app.Version = version.String()
	app.OnUsageError = onUsageError(app.Name)
	shared := map[cli.Flag]string{}
	for _, f := range app.Flags {
		shared[f] = EnvName(prefix, f)
	}
	app.Flags = prepareFlags(app.Flags, prefix, prefix, shared)
	app.Before = quietBefore(app.Before)
	for _, c := range app.Commands {
		setupCommand(c, app.Name, prefix, prefix+"_"+envWord(c.Name), shared)
	}
	return app
}

func setupCommand(c *cli.Command, parent, appPrefix, prefix string, shared map[cli.Flag]string) {
	name := parent + " " + c.Name
	c.OnUsageError = onUsageError(name)
	c.Flags = prepareFlags(c.Flags, appPrefix, prefix, shared)
	c.Before = quietBefore(c.Before)
	for _, s := range c.Subcommands {
		setupCommand(s, name, appPrefix, prefix+"_"+envWord(s.Name), shared)
	}
}

// onUsageError turns urfave/cli's flag errors (an unknown flag, a value
// that does not parse, from the command line or the environment) into a
// UsageError.
func onUsageError(name string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return UsageError{fmt.Errorf("%v; see %s --help", err, name)}
	}
}

// quietFlag is added to every command.
func quietFlag() cli.Flag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing on stderr but warnings and errors (results on stdout and files are unchanged)"}
}

// quietBefore wraps a command's Before: with --quiet, stderr keeps only
// warnings from then on.
func quietBefore(next cli.BeforeFunc) cli.BeforeFunc {
	return func(c *cli.Context) error {
		if c.Bool("quiet") {
			if _, done := c.App.ErrWriter.(*warningsOnly); !done {
				c.App.ErrWriter = WarningsOnly(c.App.ErrWriter)
			}
		}
		if next != nil {
			return next(c)
		}
		return nil
	}
}

// Quiet reports whether --quiet is in effect for c.
func Quiet(c *cli.Context) bool { return c.Bool("quiet") }

// warningsOnly passes on the lines that are warnings and drops the rest.
type warningsOnly struct {
	w    io.Writer
	line []byte
}

// WarningsOnly returns a writer that passes to w only the lines that are
// warnings: those starting "warning", after an optional "name: ". A
// progress bar redrawn with \r is part of the line it ends in, and goes.
func WarningsOnly(w io.Writer) io.Writer { return &warningsOnly{w: w} }

func (q *warningsOnly) Write(p []byte) (int, error) {
	for _, b := range p {
		q.line = append(q.line, b)
		if b != '\n' {
			continue
		}
		if isWarning(string(q.line)) {
			if _, err := q.w.Write(q.line); err != nil {
				q.line = q.line[:0]
				return 0, err
			}
		}
		q.line = q.line[:0]
	}
	return len(p), nil
}

func isWarning(line string) bool {
	if strings.HasPrefix(line, "warning") {
		return true
	}
	_, rest, ok := strings.Cut(line, ": ")
	return ok && strings.HasPrefix(rest, "warning")
}
