// Package cli is what cfwatch's commands share: running a cobra command
// tree as a program (exit status, messages, --version), the errors that
// choose the exit status, and the version. The commands are in its
// subpackages, reportcmd, ingestcmd and loggencmd, so that a program links
// only the commands it has: cmd/ingest, the Lambda's bootstrap, does not
// link report's. The programs in cmd/ are thin mains: cfwatch has every
// command as a subcommand (NewRoot); report, ingest and loggen are one
// command each, as they were before cfwatch.
//
// Exit status, for every command: 0 on success; 2 on a usage mistake (a
// one-line reason and the command's usage on stderr) and when some input
// or configuration could not be read; 1 for what the command calls a
// failure (report: a finding at or above --fail-on; ingest: a file that
// failed; loggen: a write error).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	flag "github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/cfwatch/cfwatch/internal/suggest"
	"github.com/cfwatch/cfwatch/internal/visible"
)

// ExitUsage is the exit status of a usage mistake, and of input or
// configuration that could not be read.
const ExitUsage = 2

// Env is what a command reads from and writes to outside its flags.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// Run runs the program newRoot builds with the process's arguments,
// environment and standard streams, until it ends or SIGINT or SIGTERM
// cancels it, and returns its exit status: the whole of a main in cmd/.
func Run(newRoot func(Env) *cobra.Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunWith(ctx, newRoot, os.Args[1:], Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
}

// RunWith runs the command newRoot makes on args, as Run does with the
// process's own: a panic on this goroutine is an error (exit 2, not a raw
// crash), and output that could not be written to e.Stdout (a full disk,
// a closed pipe) is a failure said on e.Stderr: exit 1 at least, since
// the summary, findings or report did not reach their reader.
func RunWith(ctx context.Context, newRoot func(Env) *cobra.Command, args []string, e Env) int {
	out := &checkedWriter{w: e.Stdout}
	e.Stdout = out
	root := newRoot(e)
	code := Guard(root.Name(), e.Stderr, func() int { return Execute(ctx, root, args, e) })
	if out.err != nil {
		fmt.Fprintf(e.Stderr, "%s: writing to standard output: %v\n", root.Name(), out.err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// checkedWriter remembers the first error of its writes; later writes are
// not tried.
type checkedWriter struct {
	w   io.Writer
	err error
}

// Unwrap returns the writer c checks, so that IsTerminal sees the file.
func (c *checkedWriter) Unwrap() io.Writer { return c.w }

// IsTerminal reports whether w, or the writer a command's checked stdout
// wraps, is a terminal.
func IsTerminal(w io.Writer) bool {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}

// NewRoot returns the cfwatch command, with cmds and version as its
// subcommands (and completion, which cobra adds).
func NewRoot(e Env, cmds ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "cfwatch",
		Short: "Find what breaks sign-in on Next.js/NextAuth sites behind CloudFront, from its access logs",
		Long: `cfwatch reads Amazon CloudFront access logs, finds the failures that break
sign-in on Next.js/NextAuth sites behind CloudFront (and says how to fix
them), writes the logs as a Parquet dataset for Athena and alerts on Slack.`,
		Args: NoArgs,
		// Runnable, so that an unknown command is refused by NoArgs
		// rather than answered with the help.
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.AddCommand(cmds...)
	root.AddCommand(newVersionCmd(e))
	return root
}

// Execute runs the program root (NewRoot's, or one command alone) with
// args, the command line without the program's name, and returns its exit
// status. Only the root named cfwatch has the completion command.
func Execute(ctx context.Context, root *cobra.Command, args []string, e Env) int {
	if root.Name() != "cfwatch" {
		// A thin main keeps its old command line; completion is cfwatch's.
		root.CompletionOptions.DisableDefaultCmd = true
	}
	// --version on every command. Not cobra's (Command.Version): its
	// template, like any text/template, keeps the linker from dropping
	// unused methods, which makes the Lambda's bootstrap half as big again.
	root.PersistentFlags().Bool("version", false, "print the version and exit")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if v, _ := cmd.Flags().GetBool("version"); v {
			fmt.Fprintln(e.Stdout, readBuildInfo().String(root.Name()))
			return errVersionShown
		}
		return nil
	}
	root.SilenceErrors, root.SilenceUsage = true, true
	root.SetOut(e.Stdout)
	root.SetErr(e.Stderr)
	root.SetFlagErrorFunc(flagError)
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	return exitCode(cmd, err, e.Stderr)
}

// errVersionShown ends a command whose --version was printed: exit 0.
var errVersionShown = Exit(0, errors.New("version shown"))

// exitCode prints err as cmd's failure, if it says anything, and returns
// the exit status it stands for.
func exitCode(cmd *cobra.Command, err error, stderr io.Writer) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errVersionShown):
		return 0
	case errors.As(err, &ee):
		if ee.err != nil {
			fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), visible.String(ee.err.Error()))
		}
		return ee.code
	}
	// Anything else is a mistake on the command line: from cobra (an
	// unknown command, a flag that does not parse) or a usageError.
	fmt.Fprintf(stderr, "%s: %s\n%s", cmd.CommandPath(), visible.String(err.Error()), cmd.UsageString())
	return ExitUsage
}

// An exitError ends a command with an exit status; err, if not nil, is
// printed first, without the usage.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// Exit ends a command with exit status code, after err, if not nil, is
// printed (without the usage). Exit(0, nil) is nil: success.
func Exit(code int, err error) error {
	if code == 0 && err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// Failf ends a command with exit status 2 and the message, without the
// usage: for input and configuration that could not be read, where the
// command line itself was right.
func Failf(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

// Usagef is a mistake on the command line: the message and the usage,
// exit status 2. (Any error a command returns but Exit's and Failf's is.)
func Usagef(format string, a ...any) error { return fmt.Errorf(format, a...) }

// NoArgs refuses arguments: a command's operands are all flags. For a
// command with subcommands, an argument is an unknown subcommand.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if !cmd.HasAvailableSubCommands() {
		return fmt.Errorf("unexpected argument %q: %s takes flags only", args[0], cmd.Name())
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	msg := fmt.Sprintf("unknown command %q: want %s", args[0], orList(names))
	if s, ok := suggest.Nearest(args[0], names); ok {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return errors.New(msg)
}

// flagError says what was wrong with a flag in the user's terms: the
// nearest flag for an unknown one, the kind of value a flag wants.
func flagError(cmd *cobra.Command, err error) error {
	var notExist *flag.NotExistError
	var invalid *flag.InvalidValueError
	switch {
	case errors.As(err, &notExist) && strings.HasPrefix(err.Error(), "unknown flag:"):
		name := notExist.GetSpecifiedName()
		var names []string
		cmd.Flags().VisitAll(func(f *flag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if s, ok := suggest.Nearest(name, names); ok {
			return fmt.Errorf("unknown flag --%s (did you mean --%s?)", name, s)
		}
		return fmt.Errorf("unknown flag --%s", name)
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return fmt.Errorf("--%s %q: want %s", f.Name, invalid.GetValue(), valueKind(f.Value.Type()))
	}
	return err
}

// valueKind describes the values of a pflag type.
func valueKind(typ string) string {
	switch typ {
	case "int", "int8", "int16", "int32", "int64":
		return "a whole number"
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number, 0 or more"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "duration":
		return "a duration such as 90m or 24h"
	}
	return "a " + typ
}

// orList writes "a", "a or b", "a, b or c".
func orList(s []string) string {
	s = slices.Clone(s)
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Complete completes a flag's value from a fixed list.
func Complete(cmd *cobra.Command, flagName string, values ...string) {
	// The error is for a flag that does not exist: a programming mistake
	// the tests catch (completion would offer nothing).
	_ = cmd.RegisterFlagCompletionFunc(flagName, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}
