// Package datasettest writes the Parquet dataset from log files for tests
// and benchmarks, laid out as cfwatch's ingest lays it out: one Parquet
// file per log file and hour of its records, at
//
//	dataset.PartitionPath(root, distribution, hour)/<log file name>.parquet
package datasettest

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// Write converts every log file under logDir (read in name order) into the
// dataset under root and returns the Parquet files written, sorted. A log
// that cannot be read fails tb.
func Write(tb testing.TB, logDir, root string, opts dataset.Options) []string {
	tb.Helper()
	var logs []string
	err := filepath.WalkDir(logDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			logs = append(logs, p)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(logs)
	var out []string
	for _, p := range logs {
		files, err := writeLog(p, root, opts)
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		out = append(out, files...)
	}
	slices.Sort(out)
	return out
}

type part struct {
	dist string
	hour int64
}

type partFile struct {
	path string
	f    *os.File
	w    *dataset.Writer
}

func writeLog(path, root string, opts dataset.Options) ([]string, error) {
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	key, _ := logparse.ParseKey(filepath.ToSlash(path))
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	r := logparse.NewReader(in)
	defer r.Close()
	parts := map[part]*partFile{}
	var order []part
	closeAll := func() error {
		var errs []error
		for _, p := range order {
			pf := parts[p]
			errs = append(errs, pf.w.Close(), pf.f.Close())
		}
		return errors.Join(errs...)
	}
	var rec logparse.Record
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		var pe *logparse.ParseError
		if errors.As(err, &pe) {
			continue
		}
		if err != nil {
			closeAll()
			return nil, err
		}
		dist := rec.DistributionID
		if dist == "" {
			dist = key.DistributionID
		}
		id := part{dist: dist, hour: rec.Time.Unix() / 3600}
		pf := parts[id]
		if pf == nil {
			dir := filepath.FromSlash(dataset.PartitionPath(filepath.ToSlash(root), dist, time.Unix(id.hour*3600, 0)))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				closeAll()
				return nil, err
			}
			p := filepath.Join(dir, base+".parquet")
			f, err := os.Create(p)
			if err != nil {
				closeAll()
				return nil, err
			}
			o := opts
			o.DistributionID = dist
			pf = &partFile{path: p, f: f, w: dataset.NewWriter(f, o)}
			parts[id] = pf
			order = append(order, id)
		}
		if err := pf.w.Write(&rec, key.DistributionID); err != nil {
			closeAll()
			return nil, err
		}
	}
	if err := closeAll(); err != nil {
		return nil, err
	}
	var files []string
	for _, p := range order {
		files = append(files, parts[p].path)
	}
	return files, nil
}

// Incidents is twelve hours of traffic from start with cookie logging on,
// one of each of the seed's failures in its own hour (an hour apart), and
// noise that must not raise alerts over all twelve: every rule and check has
// something to count.
func Incidents(start time.Time, seed uint64, requestsPerHour int) loggen.Config {
	at := func(k loggen.Kind, from, until int) loggen.Incident {
		return loggen.Incident{Kind: k, From: start.Add(time.Duration(from) * time.Hour),
			Until: start.Add(time.Duration(until) * time.Hour), Rate: k.DefaultRate()}
	}
	return loggen.Config{Seed: seed, Start: start, Duration: 12 * time.Hour, RequestsPerHour: requestsPerHour, CookieLogging: true,
		Incidents: []loggen.Incident{
			at(loggen.AuthCacheHit, 1, 2), at(loggen.MethodRejected, 2, 3), at(loggen.Auth403Callback, 3, 4),
			at(loggen.Auth403Session, 4, 5), at(loggen.AuthCookieMissing, 5, 6), at(loggen.CORSPreflightRejected, 6, 7),
			at(loggen.APIOrigin403, 8, 9), at(loggen.Origin5xx, 9, 10), at(loggen.InsecureScheme, 10, 11),
			at(loggen.ScannerFlood, 0, 12), at(loggen.Stray403, 0, 12), at(loggen.Origin403Post, 0, 12),
			at(loggen.AuthHTMLResponse, 0, 1), at(loggen.PostSignatureRejected, 7, 8), at(loggen.APIRoutedToStatic, 11, 12),
			// Edge incidents share an hour with a seed incident they do not
			// touch: edge-compute failures are no origin-errors, and
			// configured refusals no NextAuth failure.
			at(loggen.EdgeFunctionError, 1, 2), at(loggen.EdgeRefusalsOnAuth, 0, 1),
		}}
}
