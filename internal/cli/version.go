package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Release stamps. Release builds set them at link time (make dist does):
//
//	-ldflags "-X github.com/cfwatch/cfwatch/internal/cli.version=v1.2.0
//	          -X github.com/cfwatch/cfwatch/internal/cli.revision=<commit>
//	          -X github.com/cfwatch/cfwatch/internal/cli.revisionTime=<RFC 3339>
//	          -X github.com/cfwatch/cfwatch/internal/cli.modified=false"
//
// Otherwise the build information Go records is used: the module version
// for `go install …@version`, the VCS revision for builds in a checkout.
// Nothing assigns them at run time (-X needs package variables).
var (
	version      string
	revision     string
	revisionTime string
	modified     string
)

// buildInfo is what `cfwatch version` says.
type buildInfo struct {
	Version   string // module version, "(devel)" for a build in a checkout
	Revision  string // VCS revision, "" when unknown
	Time      string // the revision's commit time, RFC 3339
	Modified  bool   // built from a tree with uncommitted changes
	GoVersion string
	Platform  string // GOOS/GOARCH
}

// readBuildInfo reads the build information and the release stamps.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(devel)", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.Version = version
	}
	if revision != "" {
		b.Revision = revision
	}
	if revisionTime != "" {
		b.Time = revisionTime
	}
	if modified != "" {
		b.Modified = modified == "true"
	}
	return b
}

// String writes the information for program: its version on the first
// line, then one line each for the revision and the Go toolchain.
func (b buildInfo) String(program string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s %s", program, b.Version)
	if program != "cfwatch" {
		s.WriteString(" (cfwatch)")
	}
	rev := b.Revision
	if rev == "" {
		rev = "unknown"
	}
	if b.Time != "" {
		rev += ", " + b.Time
	}
	if b.Modified {
		rev += ", modified"
	}
	fmt.Fprintf(&s, "\nrevision: %s\ngo:       %s %s", rev, b.GoVersion, b.Platform)
	return s.String()
}

func newVersionCmd(e Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version: module version, VCS revision and time, Go version",
		Args:  NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(e.Stdout, readBuildInfo().String(cmd.Root().Name()))
			return nil
		},
	}
}
