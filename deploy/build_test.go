package deploy

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// makeBuild runs the Makefile's build-IngestFunction target as sam build
// does: make with ARTIFACTS_DIR in the environment, from the repository.
func makeBuild(t *testing.T, pkg string, env ...string) string {
	t.Helper()
	makeBin := tool(t, "make", "apt-get install make")
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, makeBin, "--no-print-directory", "build-IngestFunction", "INGEST_PKG="+pkg)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), append(env, "ARTIFACTS_DIR="+out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-IngestFunction: %v\n%s", err, b)
	}
	return out
}

// checkELF checks a Lambda binary: Linux, the architecture, static (no
// interpreter: provided.al2023 has no Go toolchain or libc to rely on), and
// stripped (-s -w).
func checkELF(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	if f.Machine != machine || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("%s: %v %v, want %v Linux", filepath.Base(path), f.Machine, f.OSABI, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked", filepath.Base(path))
		}
	}
	if f.Section(".symtab") != nil || f.Section(".debug_info") != nil {
		t.Errorf("%s is not stripped", filepath.Base(path))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable", filepath.Base(path))
	}
}

// The package sam build gets: both architectures and the bootstrap
// script; and the script runs the binary for the machine, with the
// arguments.
func TestBuildTarget(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: go is not on PATH")
	}
	dir := makeBuild(t, "./deploy/testdata/archprobe")
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	for i := range names {
		names[i] = filepath.Base(names[i])
	}
	if want := []string{"bootstrap", "bootstrap-amd64", "bootstrap-arm64"}; !slices.Equal(names, want) {
		t.Fatalf("package holds %v, want %v", names, want)
	}
	checkELF(t, filepath.Join(dir, "bootstrap-arm64"), elf.EM_AARCH64)
	checkELF(t, filepath.Join(dir, "bootstrap-amd64"), elf.EM_X86_64)
	script, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
	if err != nil || !bytes.HasPrefix(script, []byte("#!/bin/sh\n")) {
		t.Fatalf("bootstrap is not the shell script: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "bootstrap")); fi.Mode()&0o111 == 0 {
		t.Error("bootstrap is not executable")
	}
	if runtime.GOOS == "linux" && (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") {
		out, err := exec.Command(filepath.Join(dir, "bootstrap"), "--flag", "a b").CombinedOutput()
		if want := "linux " + runtime.GOARCH + " [--flag a b]\n"; err != nil || string(out) != want {
			t.Errorf("bootstrap on this machine: %q, %v; want %q", out, err, want)
		}
	}
}

// The bootstrap script picks the binary by `uname -m`, for each machine
// name Lambda's two architectures report, and fails clearly otherwise.
func TestBootstrapScript(t *testing.T) {
	sh := tool(t, "sh", "a POSIX shell")
	script, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "bootstrap.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		machine, want string
		ok            bool
	}{
		{"aarch64", "arm64 [x]", true},
		{"x86_64", "amd64 [x]", true},
		{"s390x", "no binary for machine s390x", false},
	} {
		task := t.TempDir()
		bin := t.TempDir()
		write := func(path, body string) {
			if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		write(filepath.Join(task, "bootstrap"), string(script))
		write(filepath.Join(task, "bootstrap-arm64"), "#!/bin/sh\necho arm64 \"[$*]\"\n")
		write(filepath.Join(task, "bootstrap-amd64"), "#!/bin/sh\necho amd64 \"[$*]\"\n")
		write(filepath.Join(bin, "uname"), "#!/bin/sh\necho "+tc.machine+"\n")
		cmd := exec.Command(sh, filepath.Join(task, "bootstrap"), "x")
		cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		if (err == nil) != tc.ok || !strings.Contains(string(out), tc.want) {
			t.Errorf("uname -m %s: %q, %v; want %q", tc.machine, out, err, tc.want)
		}
	}
	// A package built for one architecture only, run on the other.
	task := t.TempDir()
	os.WriteFile(filepath.Join(task, "bootstrap"), script, 0o755)
	os.WriteFile(filepath.Join(task, "bootstrap-amd64"), []byte("#!/bin/sh\necho amd64\n"), 0o755)
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "uname"), []byte("#!/bin/sh\necho aarch64\n"), 0o755)
	cmd := exec.Command(sh, filepath.Join(task, "bootstrap"))
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "bootstrap-arm64 is missing") {
		t.Errorf("missing arm64 binary: %q, %v", out, err)
	}
}

// LAMBDA_GOARCH builds one architecture, as bootstrap itself.
func TestBuildTargetOneArchitecture(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: go is not on PATH")
	}
	dir := makeBuild(t, "./deploy/testdata/archprobe", "LAMBDA_GOARCH=arm64")
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 1 || filepath.Base(names[0]) != "bootstrap" {
		t.Fatalf("package holds %v, want bootstrap alone", names)
	}
	checkELF(t, names[0], elf.EM_AARCH64)
}

// The real function builds with the target, for both architectures (slow
// the first time: two cross-compilations of cmd/ingest).
func TestBuildIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short: cross-compiles cmd/ingest twice")
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), "cmd", "ingest")); err != nil {
		t.Skip("skipping: cmd/ingest is not in this tree")
	}
	dir := makeBuild(t, "./cmd/ingest")
	checkELF(t, filepath.Join(dir, "bootstrap-arm64"), elf.EM_AARCH64)
	checkELF(t, filepath.Join(dir, "bootstrap-amd64"), elf.EM_X86_64)
	for _, a := range []string{"arm64", "amd64"} {
		fi, err := os.Stat(filepath.Join(dir, "bootstrap-"+a))
		if err != nil {
			t.Fatal(err)
		}
		// Lambda takes 250 MB unzipped; the two binaries share it.
		if fi.Size() > 100<<20 {
			t.Errorf("bootstrap-%s is %d MB", a, fi.Size()>>20)
		}
	}
}
