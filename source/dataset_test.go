package source

import (
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

func TestDatasetKey(t *testing.T) {
	for _, c := range []struct {
		name string
		dist string
		hour string // "" when not a dataset file
	}{
		{"s3://b/cf/distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14/E2QWRUHEXAMPLE.2026-11-20-14.a1.parquet", "E2QWRUHEXAMPLE", "2026-11-20T14:00:00Z"},
		{"ds/distribution=unknown/day=2026-01-01/hour=00/x.parquet", "unknown", "2026-01-01T00:00:00Z"},
		{"distribution=a%2Fb/day=2026-02-28/hour=23/x.PARQUET", "a/b", "2026-02-28T23:00:00Z"},
		{"distribution=E/day=2026-02-30/hour=01/x.parquet", "", ""},       // no such day
		{"distribution=E/day=2026-02-03/hour=24/x.parquet", "", ""},       // no such hour
		{"distribution=E/day=2026-2-3/hour=01/x.parquet", "", ""},         // not the layout
		{"dist=E/day=2026-02-03/hour=01/x.parquet", "", ""},               // not the layout
		{"day=2026-02-03/hour=01/x.parquet", "", ""},                      // no distribution
		{"distribution=E/day=2026-02-03/hour=01/x.gz", "", ""},            // a log, not Parquet
		{"E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.parquet", "", ""},         // not partitioned
		{"distribution=E/day=2026-02-03/hour=01/extra/x.parquet", "", ""}, // not directly in the hour
	} {
		k, ok := objectKey(c.name)
		if c.hour == "" {
			if k, ok := datasetKey(c.name); ok && isParquet(c.name) {
				t.Errorf("%s: read as partition %+v", c.name, k)
			}
			continue
		}
		if !ok || k.DistributionID != c.dist || !k.Hour.Equal(utc(c.hour)) {
			t.Errorf("%s: %+v %v, want %s %s", c.name, k, ok, c.dist, c.hour)
		}
	}
	// A v2 Parquet log named in one of CloudFront's layouts has its key.
	for _, name := range []string{"E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.parquet",
		"AWSLogs/123456789012/CloudFront/E2QWRUHEXAMPLE/2026/11/20/14/E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.parquet"} {
		if k, ok := objectKey(name); !ok || k.DistributionID != "E2QWRUHEXAMPLE" || !k.Hour.Equal(utc("2026-11-20T14:00:00Z")) {
			t.Errorf("%s: %+v %v, want CloudFront's key", name, k, ok)
		}
	}
}

// TestDayMayHold: a day directory is entered exactly when one of its hours
// may hold records of the window.
func TestDayMayHold(t *testing.T) {
	day := utc("2026-11-20T00:00:00Z")
	for from := -30 * time.Hour; from <= 54*time.Hour; from += 20 * time.Minute {
		for _, length := range []time.Duration{time.Second, 20 * time.Minute, time.Hour, 3 * time.Hour, 30 * time.Hour} {
			w := Window{day.Add(from), day.Add(from + length)}
			want := false
			for h := 0; h < 24; h++ {
				want = want || w.MayHold(day.Add(time.Duration(h)*time.Hour))
			}
			if got := w.dayMayHold(day); got != want {
				t.Errorf("window %v–%v: dayMayHold %v, want %v", w.From, w.Until, got, want)
			}
		}
	}
}

// writeDatasetFiles creates empty files in the dataset's layout for every
// hour in [from, from+hours) of each distribution, n per hour.
func writeDatasetFiles(t *testing.T, root string, from time.Time, hours, n int, dists ...string) []string {
	t.Helper()
	var files []string
	for _, d := range dists {
		for h := range hours {
			hour := from.Add(time.Duration(h) * time.Hour)
			dir := filepath.FromSlash(dataset.PartitionPath(filepath.ToSlash(root), d, hour))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				p := filepath.Join(dir, d+"."+hour.Format("2006-01-02-15")+"."+string(rune('a'+i))+".parquet")
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, p)
			}
		}
	}
	return files
}

// TestLocalDataset: a local dataset directory lists only the files of the
// hours the window may need, without entering the other partitions.
func TestLocalDataset(t *testing.T) {
	root := filepath.Join(t.TempDir(), "ds")
	files := writeDatasetFiles(t, root, utc("2026-11-18T00:00:00Z"), 5*24, 2, "E2QWRUHEXAMPLE", "EMLARXS9EXAMPLE")
	for _, w := range []Window{
		{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T12:00:00Z")},
		{utc("2026-11-19T23:30:00Z"), utc("2026-11-20T00:10:00Z")}, // across midnight
		{utc("2026-11-17T00:00:00Z"), utc("2026-11-18T00:30:00Z")}, // the first day's edge
		{utc("2026-12-01T00:00:00Z"), utc("2026-12-02T00:00:00Z")}, // nothing
	} {
		objs, skipped, err := Local([]string{root}, w)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range files {
			k, _ := objectKey(filepath.ToSlash(f))
			if w.MayHold(k.Hour) {
				want = append(want, f)
			}
		}
		slices.Sort(want)
		if got := names(objs); !slices.Equal(got, want) {
			t.Errorf("window %v–%v: listed %d files, want %d:\n%v\n%v", w.From, w.Until, len(got), len(want), got, want)
		}
		// Files of pruned partitions would be counted as skipped had their
		// directories been entered.
		if skipped != 0 {
			t.Errorf("window %v–%v: %d files skipped: pruned partitions were entered", w.From, w.Until, skipped)
		}
		for _, o := range objs {
			if !o.Parquet || !o.KeyOK {
				t.Errorf("%s: parquet %v, key %v", o.Name, o.Parquet, o.KeyOK)
			}
		}
	}
}

// TestS3Dataset: a dataset on S3 (MinIO) is listed a day at a time for the
// days the window needs; only the objects of its hours are fetched, read
// ahead or with ranged reads, and they read back as the same records as
// the local files.
func TestS3Dataset(t *testing.T) {
	t.Parallel()
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	client, ops := testClient(t, srv)

	// Three days of logs for two distributions, as a dataset.
	tmp := t.TempDir()
	start := utc("2026-11-19T00:00:00Z")
	for _, d := range testDists {
		cfg := loggen.Config{Seed: 3, Start: start, Duration: 72 * time.Hour, RequestsPerHour: 120, FilesPerHour: 2, DistributionID: d}
		if _, err := loggen.WriteDir(context.Background(), filepath.Join(tmp, "logs", d), cfg); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(tmp, "ds")
	files := datasettest.Write(t, filepath.Join(tmp, "logs"), root, dataset.Options{})
	var keys []string
	data := map[string][]byte{}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		k := "cf/ds/" + filepath.ToSlash(rel)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		keys, data[k] = append(keys, k), b
	}
	w := Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T12:00:00Z")}
	// An interrupted local run's temporary file in an hour of the window,
	// copied up with the rest: never listed.
	var tmpKey string
	for _, k := range keys {
		if kk, _ := objectKey(k); w.MayHold(kk.Hour) {
			tmpKey = path.Dir(k) + "/." + path.Base(k) + ".4242-1234.tmp"
			break
		}
	}
	putAll(t, srv, "logs", append(keys, "cf/ds/README.txt", tmpKey), data)
	var want []string
	for _, k := range keys {
		kk, ok := objectKey(k)
		if !ok {
			t.Fatalf("%s: no partition", k)
		}
		if w.MayHold(kk.Hour) {
			want = append(want, "s3://logs/"+k)
		}
	}
	slices.Sort(want)
	objs, _, listed, err := S3(context.Background(), client, "s3://logs/cf/ds", w, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs = slices.DeleteFunc(objs, func(o Object) bool { return strings.HasSuffix(o.Name, "README.txt") })
	if got := names(objs); !slices.Equal(got, want) {
		t.Fatalf("listed %d objects, want %d:\n%v\n%v", len(got), len(want), got, want)
	}
	// The root (its distributions and README), then one day per
	// distribution: 2026-11-20 needs the hours 09–12.
	if listed.Requests != 3 || ops.count("ListObjectsV2") != 3 {
		t.Errorf("%d list requests (%d counted), want 3", listed.Requests, ops.count("ListObjectsV2"))
	}
	if ops.count("GetObject") != 0 {
		t.Errorf("listing fetched %d objects", ops.count("GetObject"))
	}

	localRecords := func(name string) int {
		rel := strings.TrimPrefix(name, "s3://logs/cf/ds/")
		b := data["cf/ds/"+rel]
		return countParquet(t, name, RandomReader{ReaderAt: strings.NewReader(string(b)), Size: int64(len(b))})
	}
	// Objects not read ahead are fetched whole up to 16 MiB: these are
	// small, so the ranged case lowers the limit to read them at random.
	ranged := slices.Clone(objs)
	for i := range ranged {
		open := ranged[i].open
		ranged[i].open = func(ctx context.Context) (io.ReadCloser, error) {
			rc, err := open(ctx)
			if f, ok := rc.(*s3File); ok {
				f.whole = 0
			}
			return rc, err
		}
	}
	for _, c := range []struct {
		name    string
		objs    []Object
		workers int
		budget  int64
		remote  bool
	}{
		{"read-ahead", objs, 4, 0, false},
		{"whole", objs, 0, 1, false}, // no read-ahead: each file is fetched whole when its turn comes
		{"ranged", ranged, 0, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ops.reset()
			p := Prefetch(context.Background(), c.objs, c.workers, c.budget)
			defer p.Close()
			total := 0
			for {
				obj, rc, err := p.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				rr, err := RandomAccess(rc)
				if err != nil {
					t.Fatal(err)
				}
				// With read-ahead, an object whose turn comes before its
				// fetch started is read at random too.
				if (c.remote && !rr.Remote) || rr.Size != obj.Size {
					t.Errorf("%s: remote %v, size %d of %d", obj.Name, rr.Remote, rr.Size, obj.Size)
				}
				n := countParquet(t, obj.Name, rr)
				if want := localRecords(obj.Name); n != want || n == 0 {
					t.Errorf("%s: %d records, %d in the local file", obj.Name, n, want)
				}
				total += n
				rc.Close()
			}
			ops.mu.Lock()
			gets := slices.Clone(ops.gets)
			ops.mu.Unlock()
			for _, g := range gets {
				if !slices.Contains(want, "s3://logs/"+g) {
					t.Errorf("fetched %s, outside the window", g)
				}
			}
			if c.remote && len(gets) <= len(objs) {
				t.Errorf("%d GETs for %d objects read at random: want several ranged reads each", len(gets), len(objs))
			}
			if len(gets) < len(objs) || (!c.remote && len(gets) != len(objs)) {
				t.Errorf("%d GETs for %d objects", len(gets), len(objs))
			}
			if total == 0 {
				t.Error("no records")
			}
		})
	}
}

// countParquet reads a dataset file to the end and returns its records.
func countParquet(t *testing.T, name string, rr RandomReader) int {
	t.Helper()
	r, err := dataset.NewReader(rr, rr.Size, dataset.ReaderOptions{Name: name, Columns: []string{"cs_uri_stem", "x_edge_request_id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rec logparse.Record
	n := 0
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.RequestID == "" || rec.URIStem == "" {
			t.Fatalf("%s: record %d has no request ID or path", name, n)
		}
		n++
	}
}
