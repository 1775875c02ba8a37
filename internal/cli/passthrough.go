package cli

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"
)

// A MainFunc is a command that parses its own flags (pflag): args without
// the command's name in, exit status out.
type MainFunc func(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int

// Passthrough returns a cobra command that hands its arguments, flags
// included, to main, which parses them itself: audit and probe keep one
// flag set, their own, with its own usage and messages. --version is
// answered here, as on every other command.
func Passthrough(e Env, use, short, long string, main MainFunc) *cobra.Command {
	return &cobra.Command{
		Use:                use,
		Short:              short,
		Long:               long,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if slices.Contains(args, "--version") {
				fmt.Fprintln(e.Stdout, readBuildInfo().String(cmd.Root().Name()))
				return nil
			}
			return Exit(main(cmd.Context(), args, e.Stdout, e.Stderr, e.Getenv), nil)
		},
	}
}
