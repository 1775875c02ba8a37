package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cfwatch/cfwatch/logparse"
)

// S3 sources
//
// An S3 source is s3://bucket/prefix. The prefix names a folder ("logs" and
// "logs/" are the same); without one the whole bucket is the folder. If the
// folder is empty and the prefix names an object, that object alone is read.
//
// Only what the window needs is listed, in pages of 1000 keys, using the hour
// CloudFront puts in every key (Window.MayHold decides, with its one-hour
// margin on each side):
//
//   - Legacy files, prefix/DISTID.YYYY-MM-DD-HH.unique.gz, lie flat in their
//     folder and sort by distribution, then hour. The folder is listed with
//     Delimiter "/", and the listing jumps: when it meets the first key of a
//     distribution that is older than the window, it starts again after
//     prefix/DISTID.<first hour the window needs> (StartAfter); when it meets
//     a key newer than the window, it starts again after all of that
//     distribution's keys (prefix/DISTID.~). A jump that lands inside the page
//     already fetched costs nothing. Cost: about 2 requests per distribution
//     plus one per 1000 keys inside the window, whatever the bucket's history.
//   - v2 partitioned logs, prefix/DISTID/YYYY/MM/DD/HH/… and the Hive form
//     prefix/DistributionId=ID/year=YYYY/month=MM/day=DD/hour=HH/…: each
//     distribution folder is found by the Delimiter "/" listing of its parent
//     and listed once with Delimiter "/" to see its years; then, for each day
//     the window needs, the day's folder is listed, or its hour folders one
//     by one when the day needs two hours or fewer (the window's edges).
//     Cost: one request per distribution, plus one per day (or edge hour)
//     per 1000 keys.
//   - Any other folder is listed the same way, recursively. Objects whose key
//     gives no hour are read whatever the window (there is no telling what
//     they hold), and logged; objects whose key gives an hour outside the
//     window are counted as skipped.
//
// skipped counts the keys the listing returned but left out. For a folder of
// fewer than 1000 keys that is every key outside the window, as Local counts;
// in a larger one, the keys a jump passes over unfetched are not counted.

// IsS3 reports whether a source names an S3 location: s3://bucket[/prefix].
func IsS3(uri string) bool { return strings.HasPrefix(uri, "s3://") }

// ListStats says what listing an S3 source cost and found.
type ListStats struct {
	Requests int // ListObjectsV2 and HeadObject requests made
	Keys     int // keys and folders the listings returned, passed over or not
	Unknown  int // objects listed whose key follows no CloudFront layout (read whatever the window)
	// Near is the nearest data outside the window that the keys listed
	// but left out give (their hours).
	Near Near
}

// Timeouts of the S3 client. Listing is a handful of small requests, so a
// silent endpoint should fail fast rather than hang.
const (
	s3DialTimeout           = 5 * time.Second
	s3ResponseHeaderTimeout = 30 * time.Second
	s3MaxBackoff            = 2 * time.Second
	s3DefaultRegion         = "us-east-1"
	s3PageSize              = 1000
	maxUnknownLogged        = 10
)

// NewS3Client builds an S3 client from the standard AWS configuration chain:
// credentials from the environment, the shared config and credentials files
// (profiles, SSO) or the instance/task role; the region from AWS_REGION or
// the profile, us-east-1 when none is set. endpoint, when not empty, points
// the client at an S3-compatible server (MinIO, for example); so does
// AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), which the SDK reads itself.
// With an endpoint, requests use path-style addressing (endpoint/bucket/key).
//
// A request is tried 3 times in all (AWS_MAX_ATTEMPTS changes it), at most
// 2 s apart; connecting gives up after 5 s and a response must start within
// 30 s. So an endpoint that refuses connections fails within 4 s, and an
// address where nothing answers within about 20 s.
func NewS3Client(ctx context.Context, endpoint string) (*s3.Client, error) {
	return newS3Client(ctx, endpoint)
}

func newS3Client(ctx context.Context, endpoint string, extra ...func(*config.LoadOptions) error) (*s3.Client, error) {
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = s3DialTimeout }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = 10 * time.Second
			tr.ResponseHeaderTimeout = s3ResponseHeaderTimeout
			tr.MaxIdleConnsPerHost = 64
		})
	opts := append([]func(*config.LoadOptions) error{config.WithHTTPClient(httpClient)}, extra...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3: loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = s3DefaultRegion
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, s3MaxBackoff)
		// gzip's own CRC already catches a damaged log; the SDK's check
		// would warn for every object stored without a checksum.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		o.DisableLogOutputChecksumValidationSkipped = true
	}), nil
}

// S3 lists the log objects under uri (s3://bucket/prefix) that may hold
// records in the window, sorted by name. skipped counts the objects listed
// whose key puts them outside the window; listed says what the listing cost.
// Object names are s3://bucket/key; opening one fetches it with GetObject.
// log (nil discards) receives a line per object whose key gives no hour (the
// first few) and a summary.
func S3(ctx context.Context, client *s3.Client, uri string, w Window, log *slog.Logger) (objs []Object, skipped int, listed ListStats, err error) {
	return listS3(ctx, client, uri, w, log, s3PageSize)
}

func listS3(ctx context.Context, client *s3.Client, uri string, w Window, log *slog.Logger, pageSize int32) ([]Object, int, ListStats, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bucket, prefix, err := parseS3URI(uri)
	if err != nil {
		return nil, 0, ListStats{}, err
	}
	if client == nil {
		return nil, 0, ListStats{}, fmt.Errorf("source %s: no S3 client", uri)
	}
	l := &s3Lister{ctx: ctx, client: client, bucket: bucket, w: w, log: log, pageSize: pageSize}
	l.h0, l.h1 = windowHours(w)
	folder := prefix
	if folder != "" && !strings.HasSuffix(folder, "/") {
		folder += "/"
	}
	queue := []s3Folder{{prefix: folder, kind: folderKind(lastSegment(folder))}}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		sub, err := l.listFolder(f)
		if err != nil {
			return nil, 0, l.stats, err
		}
		queue = append(queue, sub...)
	}
	if l.stats.Keys == 0 && prefix != "" && !strings.HasSuffix(prefix, "/") {
		// Nothing under prefix/: prefix may name one object.
		if err := l.headObject(prefix); err != nil {
			return nil, 0, l.stats, err
		}
	}
	if l.stats.Unknown > maxUnknownLogged {
		log.Warn("more objects whose key gives no hour: read whatever the window", "source", uri, "count", l.stats.Unknown-maxUnknownLogged)
	}
	slices.SortFunc(l.objs, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	l.objs = slices.CompactFunc(l.objs, func(a, b Object) bool { return a.Name == b.Name })
	log.Info("s3 source listed", "source", uri, "objects", len(l.objs), "outside_window", l.skipped,
		"requests", l.stats.Requests, "keys", l.stats.Keys)
	return l.objs, l.skipped, l.stats, nil
}

// parseS3URI splits s3://bucket/prefix. The prefix is taken as it is (object
// keys may hold spaces, '+' and '%').
func parseS3URI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("source %s: not an s3:// location", uri)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("source %s: no bucket: want s3://bucket/prefix", uri)
	}
	return bucket, prefix, nil
}

// windowHours returns the first and the last hour a key may name and still
// hold records in the window (h0 > h1 when there is none).
func windowHours(w Window) (h0, h1 time.Time) {
	h0 = w.From.UTC().Add(-3 * time.Hour).Truncate(time.Hour)
	for i := 0; i < 6 && !w.MayHold(h0); i++ {
		h0 = h0.Add(time.Hour)
	}
	h1 = w.Until.UTC().Add(2 * time.Hour).Truncate(time.Hour)
	for i := 0; i < 6 && !w.MayHold(h1); i++ {
		h1 = h1.Add(-time.Hour)
	}
	if !w.MayHold(h0) || !w.MayHold(h1) {
		return time.Time{}.Add(time.Hour), time.Time{}
	}
	return h0, h1
}

type folderType uint8

const (
	plainFolder   folderType = iota
	distFolder               // prefix/DISTID/: v2 path layout, YYYY/MM/DD/HH below
	hiveFolder               // prefix/DistributionId=ID/: v2 Hive layout
	datasetFolder            // prefix/distribution=ID/: the Parquet dataset, day=…/hour=… below
)

type s3Folder struct {
	prefix string // "" or ends with "/"
	kind   folderType
}

func lastSegment(folder string) string {
	s := strings.TrimSuffix(folder, "/")
	return s[strings.LastIndexByte(s, '/')+1:]
}

func folderKind(name string) folderType {
	if isDatasetDistribution(name) {
		return datasetFolder
	}
	if n, id, ok := strings.Cut(name, "="); ok && strings.EqualFold(n, "DistributionId") && isDistributionID(id) {
		return hiveFolder
	}
	if isDistributionID(name) {
		return distFolder
	}
	return plainFolder
}

// isDistributionID is logparse's test for a distribution ID: 8 to 32 letters
// and digits.
func isDistributionID(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// yearOf reads a year folder's name: "2026" under a v2 distribution folder,
// "year=2026" under a Hive one.
func yearOf(kind folderType, name string) (string, bool) {
	if kind == hiveFolder {
		n, v, ok := strings.Cut(name, "=")
		if !ok || !strings.EqualFold(n, "year") {
			return "", false
		}
		name = v
	}
	if len(name) != 4 {
		return "", false
	}
	for i := 0; i < 4; i++ {
		if name[i] < '0' || name[i] > '9' {
			return "", false
		}
	}
	return name, true
}

type s3Lister struct {
	ctx      context.Context
	client   *s3.Client
	bucket   string
	w        Window
	h0, h1   time.Time
	log      *slog.Logger
	pageSize int32

	objs    []Object
	skipped int
	stats   ListStats
}

// listFolder lists one folder with Delimiter "/", keeps the objects the
// window needs and returns the subfolders to list. See the package comment
// on S3 sources for the jumps.
func (l *s3Lister) listFolder(f s3Folder) ([]s3Folder, error) {
	if f.kind == datasetFolder {
		return nil, l.listDataset(f)
	}
	var (
		sub        []s3Folder
		years      = map[string]string{} // "2026" -> the year folder's name
		skipAfter  string                // entries <= skipAfter are passed over
		startAfter string
		token      *string
	)
	for {
		in := &s3.ListObjectsV2Input{
			Bucket:    aws.String(l.bucket),
			Prefix:    aws.String(f.prefix),
			Delimiter: aws.String("/"),
			MaxKeys:   aws.Int32(l.pageSize),
		}
		if token != nil {
			in.ContinuationToken = token
		} else if startAfter != "" {
			in.StartAfter = aws.String(startAfter)
		}
		out, err := l.list(in)
		if err != nil {
			return nil, err
		}
		// Keys and folders come back as two sorted lists; walk them as the
		// one sorted sequence they form, so that a jump passes over folders
		// as a new listing from its target would.
		keys, dirs := out.Contents, out.CommonPrefixes
		var last string
		for len(keys) > 0 || len(dirs) > 0 {
			var name string
			isKey := len(dirs) == 0 || len(keys) > 0 && aws.ToString(keys[0].Key) < aws.ToString(dirs[0].Prefix)
			if isKey {
				name = aws.ToString(keys[0].Key)
			} else {
				name = aws.ToString(dirs[0].Prefix)
			}
			last = name
			if skipAfter != "" && name <= skipAfter {
				if isKey {
					l.skipped++ // listed, outside the window
					if k, ok := objectKey(name); ok {
						l.stats.Near.hour(k.Hour, l.w)
					}
					keys = keys[1:]
				} else {
					dirs = dirs[1:]
				}
				continue
			}
			if isKey {
				if to := l.flatKey(f.prefix, name, aws.ToInt64(keys[0].Size)); to > skipAfter {
					skipAfter = to
				}
				keys = keys[1:]
				continue
			}
			dirs = dirs[1:]
			child := name[len(f.prefix) : len(name)-1]
			if y, ok := yearOf(f.kind, child); ok && f.kind != plainFolder {
				years[y] = child
				continue
			}
			sub = append(sub, s3Folder{prefix: name, kind: folderKind(child)})
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if skipAfter > last {
			startAfter, token = skipAfter, nil // jump
		} else {
			token = out.NextContinuationToken
			if token == nil {
				return nil, fmt.Errorf("s3://%s/%s: truncated listing without a continuation token", l.bucket, f.prefix)
			}
		}
	}
	if len(years) > 0 {
		if err := l.listHours(f, years); err != nil {
			return nil, err
		}
	}
	return sub, nil
}

// flatKey keeps or skips one key of a folder listing. For a legacy key it
// returns where the listing may jump to (entries up to it can be passed
// over), or "".
func (l *s3Lister) flatKey(folder, key string, size int64) (skipAfter string) {
	k, ok := objectKey(key)
	if ok && k.Layout == logparse.LayoutLegacy {
		base := folder + k.DistributionID + "."
		if strings.HasPrefix(key, base) {
			switch {
			case k.Hour.Before(l.h0):
				// Before the window: go on at its first hour.
				l.skipped++
				l.stats.Near.hour(k.Hour, l.w)
				return base + l.h0.Format("2006-01-02-15")
			case k.Hour.After(l.h1):
				// After the window: go on after this distribution's keys
				// ('~' sorts after the digits of every hour).
				l.skipped++
				l.stats.Near.hour(k.Hour, l.w)
				return base + "~"
			}
		}
	}
	l.keep(key, size, k, ok)
	return ""
}

// keep adds the object when the window may need it.
func (l *s3Lister) keep(key string, size int64, k logparse.Key, ok bool) {
	if isIngestTemp(key) {
		return
	}
	if ok && !l.w.MayHold(k.Hour) {
		l.skipped++
		l.stats.Near.hour(k.Hour, l.w)
		return
	}
	name := "s3://" + l.bucket + "/" + key
	if !ok {
		l.stats.Unknown++
		if l.stats.Unknown <= maxUnknownLogged {
			l.log.Warn("object key gives no hour: read whatever the window", "object", name)
		}
	}
	l.objs = append(l.objs, l.object(key, size, k, ok))
}

// listHours lists the days (or, at the window's edges, the hours) the window
// needs under a v2 distribution folder whose year folders are known.
func (l *s3Lister) listHours(f s3Folder, years map[string]string) error {
	if l.h0.After(l.h1) {
		return nil
	}
	for day := l.h0.Truncate(24 * time.Hour); !day.After(l.h1); day = day.Add(24 * time.Hour) {
		yname, ok := years[day.Format("2006")]
		if !ok {
			continue
		}
		first, last := day, day.Add(23*time.Hour)
		if first.Before(l.h0) {
			first = l.h0
		}
		if last.After(l.h1) {
			last = l.h1
		}
		dayPrefix := fmt.Sprintf("%s%s/%02d/%02d/", f.prefix, yname, day.Month(), day.Day())
		if f.kind == hiveFolder {
			dayPrefix = fmt.Sprintf("%s%s/month=%02d/day=%02d/", f.prefix, yname, day.Month(), day.Day())
		}
		if n := int(last.Sub(first)/time.Hour) + 1; n > 2 {
			if err := l.listAll(dayPrefix); err != nil {
				return err
			}
			continue
		}
		for h := first; !h.After(last); h = h.Add(time.Hour) {
			hourPrefix := fmt.Sprintf("%s%02d/", dayPrefix, h.Hour())
			if f.kind == hiveFolder {
				hourPrefix = fmt.Sprintf("%shour=%02d/", dayPrefix, h.Hour())
			}
			if err := l.listAll(hourPrefix); err != nil {
				return err
			}
		}
	}
	return nil
}

// listAll lists every key under prefix, without a delimiter.
func (l *s3Lister) listAll(prefix string) error {
	var token *string
	for {
		out, err := l.list(&s3.ListObjectsV2Input{
			Bucket:            aws.String(l.bucket),
			Prefix:            aws.String(prefix),
			MaxKeys:           aws.Int32(l.pageSize),
			ContinuationToken: token,
		})
		if err != nil {
			return err
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			k, ok := objectKey(key)
			l.keep(key, aws.ToInt64(o.Size), k, ok)
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return nil
		}
		token = out.NextContinuationToken
	}
}

func (l *s3Lister) list(in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	l.stats.Requests++
	out, err := l.client.ListObjectsV2(l.ctx, in)
	if err != nil {
		return nil, s3Error(l.client, "listing", l.bucket, aws.ToString(in.Prefix), err)
	}
	l.stats.Keys += len(out.Contents) + len(out.CommonPrefixes)
	return out, nil
}

// headObject adds the object named key, if there is one.
func (l *s3Lister) headObject(key string) error {
	l.stats.Requests++
	out, err := l.client.HeadObject(l.ctx, &s3.HeadObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key)})
	if err != nil {
		var nf *types.NotFound
		if errors.As(err, &nf) {
			return nil
		}
		return s3Error(l.client, "reading", l.bucket, key, err)
	}
	k, ok := objectKey(key)
	l.keep(key, aws.ToInt64(out.ContentLength), k, ok)
	return nil
}

func (l *s3Lister) object(key string, size int64, k logparse.Key, ok bool) Object {
	client, bucket := l.client, l.bucket
	if isParquet(key) {
		return Object{
			Name: "s3://" + bucket + "/" + key, Size: size, Key: k, KeyOK: ok, Parquet: true,
			open: func(ctx context.Context) (io.ReadCloser, error) {
				return &s3File{ctx: ctx, client: client, bucket: bucket, key: key, size: size, whole: smallObject}, nil
			},
		}
	}
	return Object{
		Name: "s3://" + bucket + "/" + key, Size: size, Key: k, KeyOK: ok,
		open: func(ctx context.Context) (io.ReadCloser, error) {
			return openS3(ctx, client, bucket, key)
		},
	}
}

// openS3 fetches an object. A read that fails part way (a dropped
// connection) resumes where it stopped, with a ranged GetObject on the same
// version (If-Match on its ETag), up to maxResumes times.
func openS3(ctx context.Context, client *s3.Client, bucket, key string) (io.ReadCloser, error) {
	get := func(ctx context.Context, in *s3.GetObjectInput) (*s3.GetObjectOutput, error) {
		return client.GetObject(ctx, in)
	}
	b, err := openResumable(ctx, get, bucket, key)
	if err != nil {
		return nil, s3Error(client, "reading", bucket, key, err)
	}
	return b, nil
}

type getFunc func(context.Context, *s3.GetObjectInput) (*s3.GetObjectOutput, error)

const maxResumes = 3

func openResumable(ctx context.Context, get getFunc, bucket, key string) (*resumableBody, error) {
	out, err := get(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	return &resumableBody{ctx: ctx, get: get, bucket: bucket, key: key, etag: aws.ToString(out.ETag), body: out.Body}, nil
}

type resumableBody struct {
	ctx         context.Context
	get         getFunc
	bucket, key string
	etag        string
	body        io.ReadCloser
	off         int64 // bytes read so far
	resumes     int
	err         error // the read failed for good
}

func (b *resumableBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for {
		n, err := b.body.Read(p)
		b.off += int64(n)
		if err == nil || err == io.EOF {
			return n, err
		}
		if err := b.resume(err); err != nil {
			b.err = err
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// resume reopens the object at b.off after a failed read.
func (b *resumableBody) resume(readErr error) error {
	fail := func(extra error) error {
		if extra != nil {
			return fmt.Errorf("s3://%s/%s: reading at byte %d: %w (resuming: %v)", b.bucket, b.key, b.off, readErr, extra)
		}
		return fmt.Errorf("s3://%s/%s: reading at byte %d: %w", b.bucket, b.key, b.off, readErr)
	}
	if b.resumes >= maxResumes || b.etag == "" || b.ctx.Err() != nil {
		return fail(nil)
	}
	b.resumes++
	b.body.Close()
	b.body = io.NopCloser(strings.NewReader(""))
	out, err := b.get(b.ctx, &s3.GetObjectInput{
		Bucket: aws.String(b.bucket), Key: aws.String(b.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-", b.off)), IfMatch: aws.String(b.etag),
	})
	if err != nil {
		return fail(err)
	}
	b.body = out.Body
	return nil
}

func (b *resumableBody) Close() error { return b.body.Close() }

// s3Error says what failed in words a user can act on, naming the bucket,
// the key or prefix, and the endpoint when it could not be reached.
func s3Error(client *s3.Client, op, bucket, key string, err error) error {
	loc := "s3://" + bucket + "/" + key
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %s: %w", loc, op, err)
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return fmt.Errorf("%s: cannot reach the S3 endpoint %s: %w", loc, endpointOf(client), err)
	}
	var nb *types.NoSuchBucket
	if errors.As(err, &nb) {
		return fmt.Errorf("%s: bucket %q does not exist at %s: %w", loc, bucket, endpointOf(client), err)
	}
	var nk *types.NoSuchKey
	if errors.As(err, &nk) {
		return fmt.Errorf("%s: %s: the object is gone (deleted since it was listed?): %w", loc, op, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "Forbidden":
			perm := "s3:GetObject"
			if op == "listing" {
				perm = "s3:ListBucket"
			}
			return fmt.Errorf("%s: %s: access denied: the credentials need %s on it: %w", loc, op, perm, err)
		case "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return fmt.Errorf("%s: %s: the endpoint %s refused the credentials: %w", loc, op, endpointOf(client), err)
		case "PermanentRedirect", "AuthorizationHeaderMalformed":
			return fmt.Errorf("%s: %s: the bucket is in another region than %s: set AWS_REGION: %w", loc, op, client.Options().Region, err)
		}
	}
	if strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "failed to refresh cached credentials") {
		return fmt.Errorf("%s: %s: no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run on an instance with a role): %w", loc, op, err)
	}
	return fmt.Errorf("%s: %s: %w", loc, op, err)
}

func endpointOf(client *s3.Client) string {
	o := client.Options()
	if o.BaseEndpoint != nil {
		return *o.BaseEndpoint
	}
	return "AWS S3 (region " + o.Region + ")"
}

// ListOptions configure List.
type ListOptions struct {
	// S3Endpoint points s3:// sources at an S3-compatible server; "" means
	// AWS, or AWS_ENDPOINT_URL_S3 when it is set.
	S3Endpoint string
	// S3Client, when not nil, serves s3:// sources instead of a client built
	// with NewS3Client(ctx, S3Endpoint).
	S3Client *s3.Client
	// Logger receives what S3 logs. Nil discards.
	Logger *slog.Logger
}

// List lists the objects of every source, local paths (see Local) and
// s3:// locations (see S3) alike, sorted by name. skipped counts the objects
// listed but left out because their names put them outside the window.
func List(ctx context.Context, sources []string, w Window, o ListOptions) (objs []Object, skipped int, err error) {
	l, err := ListAll(ctx, sources, w, o)
	return l.Objects, l.Skipped, err
}

// ListAll is List, with what was left out: the nearest hours outside the
// window the names of the objects left out give.
func ListAll(ctx context.Context, sources []string, w Window, o ListOptions) (Listing, error) {
	var local, remote []string
	for _, s := range sources {
		if IsS3(s) {
			remote = append(remote, s)
		} else {
			local = append(local, s)
		}
	}
	var l Listing
	if len(local) > 0 {
		var err error
		if l, err = LocalListing(local, w, o.Logger); err != nil {
			return Listing{}, err
		}
	}
	client := o.S3Client
	for _, uri := range remote {
		if client == nil {
			var err error
			if client, err = NewS3Client(ctx, o.S3Endpoint); err != nil {
				return Listing{}, err
			}
		}
		more, n, st, err := S3(ctx, client, uri, w, o.Logger)
		if err != nil {
			return Listing{}, err
		}
		l.Objects, l.Skipped = append(l.Objects, more...), l.Skipped+n
		l.Near.Merge(st.Near)
	}
	slices.SortFunc(l.Objects, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	l.Objects = slices.CompactFunc(l.Objects, func(a, b Object) bool { return a.Name == b.Name })
	return l, nil
}
