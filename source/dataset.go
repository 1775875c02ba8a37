package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/logparse"
)

// Dataset sources
//
// A source may also be the Parquet dataset cfwatch writes for Athena
// (package dataset): a directory or s3:// prefix holding
//
//	<prefix>/distribution=ID/day=YYYY-MM-DD/hour=HH/<name>.parquet
//
// Nothing needs saying: an object whose name ends in ".parquet" is read as
// Parquet (Object.Parquet), anything else as a log (a log whose content is
// Parquet is opened again and read as Parquet), so a source may even mix
// the two. A Parquet file is cfwatch's dataset when its metadata says so,
// else CloudFront's standard logging v2 Parquet output when its columns are
// log fields (logparse.ParquetReader). A dataset file's hour is its
// partition's (datasetKey), and the window prunes partitions the way it
// prunes log files by the hour in their names, with the same one-hour margin
// (Window.MayHold): a file's partition is the hour of its records' log
// file, and may hold records a little outside it.
//
//   - Locally, day=… and hour=… directories that cannot hold records of the
//     window are not entered.
//   - On S3, a distribution=… folder is never listed whole: for each day the
//     window needs, its day=… folder is listed, or its hour=… folders one by
//     one when the day needs two hours or fewer (the window's edges). Cost:
//     one request per distribution folder found, plus one per day (or edge
//     hour) per 1000 files, whatever the dataset's history.

// isIngestTemp reports whether an object name is one of the temporary files
// ingest writes a dataset file under before renaming it
// (".NAME.parquet.PID-NNN.tmp"). Locally they are hidden files, which are
// never listed; a dataset copied to S3 from a directory an interrupted run
// wrote to may hold some, and they are not listed there either.
func isIngestTemp(name string) bool {
	base := name[strings.LastIndexByte(name, '/')+1:]
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, ".tmp") && strings.Contains(base, ".parquet.")
}

// isParquet reports whether an object name is a Parquet file's.
func isParquet(name string) bool {
	return len(name) > len(".parquet") && strings.EqualFold(name[len(name)-len(".parquet"):], ".parquet")
}

// objectKey reads what an object's name says: the dataset's partition for
// a Parquet file in the dataset's layout, else the log key
// (logparse.ParseKey), which a v2 Parquet log's name may follow too.
func objectKey(name string) (logparse.Key, bool) {
	if isParquet(name) {
		if k, ok := datasetKey(name); ok {
			return k, true
		}
		// CloudFront's standard logging v2 Parquet output, in one of its
		// key layouts.
	}
	return logparse.ParseKey(name)
}

// datasetKey reads the partition of a dataset file from its directory
// (dataset.ParsePartitionPath): …/distribution=ID/day=YYYY-MM-DD/hour=HH/name.
// Layout is LayoutUnknown: the key is not one of CloudFront's.
func datasetKey(name string) (logparse.Key, bool) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return logparse.Key{}, false
	}
	_, dist, hour, ok := dataset.ParsePartitionPath(name[:i])
	if !ok {
		return logparse.Key{}, false
	}
	return logparse.Key{DistributionID: dist, Hour: hour}, true
}

// dayMayHold reports whether some hour of the UTC day may hold records in
// the window.
func (w Window) dayMayHold(day time.Time) bool {
	// MayHold holds for the hours of an interval: the day has one of them
	// when its last hour is not before it and its first not after it.
	last := day.Add(23 * time.Hour)
	return last.Add(time.Hour+keyMargin).After(w.From) && day.Add(-keyMargin).Before(w.Until)
}

// A span is a period of time: [from, until).
type span struct{ from, until time.Time }

// prunedDir reports whether the local directory at path (slash-separated)
// is a partition of the dataset (day=…, or hour=… under day=…) that cannot
// hold records of the window, and which period it holds.
func (w Window) prunedDir(path string) (span, bool) {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if day, ok := dataset.ParsePartitionDay(last); ok {
		return span{day, day.Add(24 * time.Hour)}, !w.dayMayHold(day)
	}
	if h, ok := dataset.ParsePartitionHour(last); ok && len(parts) >= 2 {
		if day, ok := dataset.ParsePartitionDay(parts[len(parts)-2]); ok {
			hour := day.Add(time.Duration(h) * time.Hour)
			return span{hour, hour.Add(time.Hour)}, !w.MayHold(hour)
		}
	}
	return span{}, false
}

// isDatasetDistribution reports whether a folder name is a distribution
// partition of the dataset.
func isDatasetDistribution(name string) bool {
	const p = dataset.PartitionDistribution + "="
	return strings.HasPrefix(name, p) && len(name) > len(p)
}

// listDataset lists the days (or, at the window's edges, the hours) the
// window needs under a distribution=… folder of the dataset.
func (l *s3Lister) listDataset(f s3Folder) error {
	if l.h0.After(l.h1) {
		return nil
	}
	for day := l.h0.Truncate(24 * time.Hour); !day.After(l.h1); day = day.Add(24 * time.Hour) {
		first, last := day, day.Add(23*time.Hour)
		if first.Before(l.h0) {
			first = l.h0
		}
		if last.After(l.h1) {
			last = l.h1
		}
		dayPrefix := f.prefix + dataset.PartitionDay + "=" + day.Format("2006-01-02") + "/"
		if n := int(last.Sub(first)/time.Hour) + 1; n > 2 {
			if err := l.listAll(dayPrefix); err != nil {
				return err
			}
			continue
		}
		for h := first; !h.After(last); h = h.Add(time.Hour) {
			if err := l.listAll(fmt.Sprintf("%s%s=%02d/", dayPrefix, dataset.PartitionHour, h.Hour())); err != nil {
				return err
			}
		}
	}
	return nil
}

// A RandomReader reads an object at any offset: what Parquet needs.
type RandomReader struct {
	io.ReaderAt
	Size int64
	// Remote is set when each read is a request to a server (an object
	// larger than the read-ahead budget, on S3): read in large pieces.
	Remote bool
}

// smallObject is the size up to which an S3 object that was not read ahead
// is fetched whole rather than read with ranged requests.
const smallObject = 16 << 20

// RandomAccess returns the object behind rc, a reader that Prefetcher.Next
// or Object.Open returned, as a RandomReader. Objects read ahead are read
// from memory, local files from the file. S3 objects that were not read
// ahead are fetched whole when they are small (16 MiB), else read with
// ranged GetObject requests.
func RandomAccess(rc io.Reader) (RandomReader, error) {
	switch r := rc.(type) {
	case *bufReader:
		if r.err != nil {
			return RandomReader{}, r.err
		}
		if r.tail != nil {
			return RandomReader{}, fmt.Errorf("the object grew after it was listed (%d bytes then): read it again", len(r.buf))
		}
		return RandomReader{ReaderAt: bytes.NewReader(r.buf), Size: int64(len(r.buf))}, nil
	case *os.File:
		st, err := r.Stat()
		if err != nil {
			return RandomReader{}, err
		}
		return RandomReader{ReaderAt: r, Size: st.Size()}, nil
	case *s3File:
		if r.size <= r.whole {
			// One GET for the whole object beats a ranged GET per column.
			b := make([]byte, r.size)
			if _, err := io.ReadFull(r, b); err != nil {
				return RandomReader{}, err
			}
			return RandomReader{ReaderAt: bytes.NewReader(b), Size: r.size}, nil
		}
		return RandomReader{ReaderAt: r, Size: r.size, Remote: true}, nil
	}
	return RandomReader{}, fmt.Errorf("source: a %T cannot be read at random", rc)
}

// s3File is a Parquet object on S3: read in sequence (Read, the read-ahead)
// with one GetObject, or at random (ReadAt) with ranged ones. Nothing is
// requested until the first read.
type s3File struct {
	ctx         context.Context
	client      *s3.Client
	bucket, key string
	size        int64
	whole       int64 // up to this size, RandomAccess fetches it whole (smallObject)
	body        io.ReadCloser
}

func (f *s3File) Read(p []byte) (int, error) {
	if f.body == nil {
		b, err := openS3(f.ctx, f.client, f.bucket, f.key)
		if err != nil {
			return 0, err
		}
		f.body = b
	}
	return f.body.Read(p)
}

// ReadAt reads len(p) bytes at off with a ranged GetObject.
func (f *s3File) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), f.size-off)
	out, err := f.client.GetObject(f.ctx, &s3.GetObjectInput{
		Bucket: aws.String(f.bucket), Key: aws.String(f.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+want-1)),
	})
	if err != nil {
		return 0, s3Error(f.client, "reading", f.bucket, f.key, err)
	}
	defer out.Body.Close()
	n, err := io.ReadFull(out.Body, p[:want])
	if err != nil {
		return n, fmt.Errorf("s3://%s/%s: reading bytes %d-%d: %w", f.bucket, f.key, off, off+want-1, err)
	}
	if want < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

func (f *s3File) Close() error {
	if f.body != nil {
		return f.body.Close()
	}
	return nil
}
