package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// errConflict is a conditional write that lost: the object was created or
// changed by someone else since it was read.
var errConflict = errors.New("incident state changed concurrently")

// errNotFound is a state object that does not exist.
var errNotFound = errors.New("no such incident state")

// maxStateBytes bounds what is read back: an incident's state is a few
// kilobytes (origins are capped).
const maxStateBytes = 4 << 20

// A store keeps incident state objects with compare-and-swap writes.
type store interface {
	// get returns the object and its ETag, or errNotFound.
	get(ctx context.Context, key string) ([]byte, string, error)
	// put writes the object only if it does not exist (etag "") or still
	// has etag; otherwise it returns errConflict.
	put(ctx context.Context, key string, data []byte, etag string) (string, error)
	// list returns the keys under prefix with their ETags.
	list(ctx context.Context, prefix string) ([]listed, error)
	// where names the store in messages: s3://bucket/prefix or "memory".
	where(key string) string
}

type listed struct{ key, etag string }

// s3Store keeps state in S3 with conditional writes: If-None-Match: * to
// create, If-Match: ETAG to replace. Amazon S3 answers 412 Precondition
// Failed (or 409 ConditionalRequestConflict while another conditional
// write of the key is in flight); MinIO answers 412.
type s3Store struct {
	client *s3.Client
	bucket string
}

func (s *s3Store) where(key string) string { return "s3://" + s.bucket + "/" + key }

func (s *s3Store) get(ctx context.Context, key string) ([]byte, string, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) || httpStatus(err) == http.StatusNotFound {
			return nil, "", errNotFound
		}
		return nil, "", fmt.Errorf("reading %s: %w", s.where(key), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxStateBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", s.where(key), err)
	}
	if len(data) > maxStateBytes {
		return nil, "", fmt.Errorf("reading %s: larger than %d bytes", s.where(key), maxStateBytes)
	}
	return data, aws.ToString(out.ETag), nil
}

func (s *s3Store) put(ctx context.Context, key string, data []byte, etag string) (string, error) {
	in := &s3.PutObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(data),
		ContentType: aws.String("application/json"),
	}
	if etag == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(etag)
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		if isConflict(err) {
			return "", errConflict
		}
		return "", fmt.Errorf("writing %s: %w", s.where(key), err)
	}
	return aws.ToString(out.ETag), nil
}

func (s *s3Store) list(ctx context.Context, prefix string) ([]listed, error) {
	var out []listed
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", s.where(prefix), err)
		}
		for _, o := range page.Contents {
			out = append(out, listed{key: aws.ToString(o.Key), etag: aws.ToString(o.ETag)})
		}
	}
	return out, nil
}

// isConflict reports a lost conditional write.
func isConflict(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "PreconditionFailed", "ConditionalRequestConflict":
			return true
		}
	}
	switch httpStatus(err) {
	case http.StatusPreconditionFailed, http.StatusConflict:
		return true
	}
	return false
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// memStore is a store in memory, with the same compare-and-swap rules, for
// a single process (ingest --local, tests): it de-duplicates only within
// that process and forgets everything when it exits.
type memStore struct {
	mu   sync.Mutex
	objs map[string]memObject
	seq  int
}

type memObject struct {
	data []byte
	etag string
}

func newMemStore() *memStore { return &memStore{objs: make(map[string]memObject)} }

func (m *memStore) where(key string) string { return "memory:" + key }

func (m *memStore) get(ctx context.Context, key string) ([]byte, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return nil, "", errNotFound
	}
	return bytes.Clone(o.data), o.etag, nil
}

func (m *memStore) put(ctx context.Context, key string, data []byte, etag string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, exists := m.objs[key]
	if (etag == "" && exists) || (etag != "" && (!exists || o.etag != etag)) {
		return "", errConflict
	}
	m.seq++
	tag := `"` + strconv.Itoa(m.seq) + `"`
	m.objs[key] = memObject{data: bytes.Clone(data), etag: tag}
	return tag, nil
}

func (m *memStore) list(ctx context.Context, prefix string) ([]listed, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []listed
	for k, o := range m.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, listed{key: k, etag: o.etag})
		}
	}
	slices.SortFunc(out, func(a, b listed) int { return strings.Compare(a.key, b.key) })
	return out, nil
}
