// Command disttool writes the release files of `make dist` so that the
// same inputs always give the same bytes:
//
//	disttool zip -o OUT.zip [-mtime RFC3339] FILE[=NAME]...
//	disttool sums DIR
//
// zip writes the files, in the order given, under NAME (default: the
// file's base name), each with the modification time -mtime (default
// 1980-01-01T00:00:00Z, the earliest a zip can hold) and mode 0755 for
// executables, 0644 otherwise: the Lambda package holds `bootstrap`, which
// must be executable. sums writes DIR/SHA256SUMS for the regular files of
// DIR, sorted by name, in the format of sha256sum (sha256sum -c checks it).
package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "disttool:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: disttool zip -o OUT.zip [-mtime RFC3339] FILE[=NAME]... | disttool sums DIR")
	}
	switch args[0] {
	case "zip":
		fs := flag.NewFlagSet("zip", flag.ContinueOnError)
		out := fs.String("o", "", "the zip file to write")
		mtime := fs.String("mtime", "", "modification time of every entry, RFC 3339 (default 1980-01-01T00:00:00Z)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() == 0 {
			return errors.New("zip: want -o OUT.zip and at least one FILE")
		}
		t := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
		if *mtime != "" {
			var err error
			if t, err = time.Parse(time.RFC3339, *mtime); err != nil {
				return fmt.Errorf("zip: -mtime %q: want an RFC 3339 time", *mtime)
			}
		}
		return writeZip(*out, t, fs.Args())
	case "sums":
		if len(args) != 2 {
			return errors.New("sums: want one DIR")
		}
		return writeSums(args[1])
	}
	return fmt.Errorf("unknown command %q: want zip or sums", args[0])
}

// writeZip writes the files (FILE or FILE=NAME) into the zip out, with
// fixed times and modes.
func writeZip(out string, mtime time.Time, files []string) (err error) {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}()
	zw := zip.NewWriter(f)
	for _, spec := range files {
		path, name, ok := strings.Cut(spec, "=")
		if !ok {
			name = filepath.Base(path)
		}
		if err := addFile(zw, path, name, mtime); err != nil {
			return err
		}
	}
	return zw.Close()
}

func addFile(zw *zip.Writer, path, name string, mtime time.Time) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	mode := os.FileMode(0o644)
	if info.Mode()&0o111 != 0 {
		mode = 0o755
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime.UTC()}
	h.SetMode(mode)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, src); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeSums writes dir/SHA256SUMS.
func writeSums(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var lines []string
	for _, e := range entries { // in name order
		if !e.Type().IsRegular() || e.Name() == "SHA256SUMS" {
			continue
		}
		sum, err := fileSum(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		lines = append(lines, sum+"  "+e.Name()+"\n")
	}
	if len(lines) == 0 {
		return fmt.Errorf("sums: no files in %s", dir)
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(strings.Join(lines, "")), 0o644)
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
