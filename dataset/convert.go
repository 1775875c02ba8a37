package dataset

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/cfwatch/cfwatch/logparse"
)

// A batch is up to batchRows rows on their way from Write to the column
// workers, column by column, in the most compact form: a string column is a
// []string, a number column a []uint64 with a presence bit per row, the
// three time columns one []int64 of milliseconds, c_ip the parsed
// addresses. Write stores into it;
// the workers encode it into pages. (Storing parquet-go values
// directly, 24 bytes each, made Write's stores the most expensive thing it
// did: the batch moves between cores, and fewer bytes move faster.)
//
// String values point at the record's own strings (the reader's blocks,
// which are never written again) or, for derived strings (the client IP as
// text, redacted and decoded values), at the batch's arena or the decode
// caches. The column writers copy what they keep, so once the batch is
// written it references nothing that matters, and it is reused.
type batch struct {
	str  [numColumns][]string // string columns
	num  [numColumns][]uint64 // number columns: int64, int32 or float32 bits
	has  []uint64             // per row: bit c is set when number column c has a value
	ms   []int64              // per row: request_time in Unix milliseconds
	ip   []netip.Addr         // per row: c_ip
	used [numColumns]bool     // string columns: a non-empty value so far
	n    int

	arena   []byte
	pending int32 // column workers that have not written the batch yet
}

// kinds tells, for each column, how Write stores it.
type kind uint8

const (
	kindString kind = iota
	kindInt64
	kindInt32
	kindFloat
	kindTime    // date, time and request_time, all from batch.ms
	kindAddr    // c_ip, from batch.ip: formatted once per distinct address
	kindDecoded // cs_uri_stem_decoded and cs_user_agent_decoded: their
	// source column's strings, decoded once per distinct value
)

// decodedFrom names the source column of each kindDecoded column.
var decodedFrom = map[int]int{
	colURIStemDecoded:   colURIStem,
	colUserAgentDecoded: colUserAgent,
}

var columnKinds = func() (k [numColumns]kind) {
	for c, f := range schema.Fields() {
		switch c {
		case colDate, colTime, colRequestTime:
			k[c] = kindTime
			continue
		case colClientIP:
			k[c] = kindAddr
			continue
		case colURIStemDecoded, colUserAgentDecoded:
			k[c] = kindDecoded
			continue
		}
		switch f.Type().Kind() {
		case parquet.ByteArray:
			k[c] = kindString
		case parquet.Int64:
			k[c] = kindInt64
		case parquet.Int32:
			k[c] = kindInt32
		case parquet.Float:
			k[c] = kindFloat
		default:
			panic(fmt.Sprintf("dataset: column %s has type %s", f.Name(), f.Type()))
		}
	}
	return k
}()

func newBatch() *batch { return newBatchRows(batchRows, 64<<10) }

// newBatchRows returns a batch of rows rows with an arena of arena bytes.
func newBatchRows(rows, arena int) *batch {
	b := &batch{
		has:   make([]uint64, rows),
		ms:    make([]int64, rows),
		ip:    make([]netip.Addr, rows),
		arena: make([]byte, 0, arena),
	}
	for c, k := range columnKinds {
		switch k {
		case kindString:
			b.str[c] = make([]string, rows)
		case kindInt64, kindInt32, kindFloat:
			b.num[c] = make([]uint64, rows)
		}
	}
	return b
}

// reset empties the batch for reuse.
func (b *batch) reset() {
	b.n = 0
	b.arena = b.arena[:0]
	b.used = [numColumns]bool{}
}

// clearValues drops the references the strings of the batch's written rows
// hold; rows not yet written (b.n of them) stay.
func (b *batch) clearValues() {
	for c := range b.str {
		if b.str[c] != nil {
			clear(b.str[c][b.n:])
		}
	}
}

// release drops the batch's references into input blocks and its arena.
func (b *batch) release() {
	b.n = 0
	b.clearValues()
	b.arena = nil
	b.used = [numColumns]bool{}
}

// fill stores rec as row i of b, with cookie, query and referrer redacted
// (path and user agent are decoded from it by their column writers). A
// string column is NULL where the string is empty, a number column where
// Record.Has says the log had no value. distribution_id is
// rec.DistributionID, else dist.
func fill(b *batch, i int, rec *logparse.Record, dist string) {
	b.ms[i] = rec.Time.UnixMilli()

	var has uint64
	num := func(c int, f logparse.Field, x uint64) {
		if rec.Has(f) {
			b.num[c][i] = x
			has |= 1 << c
		}
	}
	num(colBytesSent, logparse.FieldBytesSent, uint64(rec.BytesSent))
	num(colStatus, logparse.FieldStatus, uint64(rec.Status))
	num(colBytesReceived, logparse.FieldBytesReceived, uint64(rec.BytesReceived))
	num(colTimeTaken, logparse.FieldTimeTaken, uint64(math.Float32bits(float32(rec.TimeTaken))))
	num(colFLEEncrypted, logparse.FieldFLEEncryptedFields, uint64(rec.FLEEncryptedFields))
	num(colClientPort, logparse.FieldClientPort, uint64(rec.ClientPort))
	num(colTimeToFirstByte, logparse.FieldTimeToFirstByte, uint64(math.Float32bits(float32(rec.TimeToFirstByte))))
	num(colContentLength, logparse.FieldContentLength, uint64(rec.ContentLength))
	num(colRangeStart, logparse.FieldRangeStart, uint64(rec.RangeStart))
	num(colRangeEnd, logparse.FieldRangeEnd, uint64(rec.RangeEnd))
	num(colASN, logparse.FieldASN, uint64(rec.ASN))
	num(colOriginFBL, logparse.FieldOriginFBL, uint64(math.Float32bits(float32(rec.OriginFBL))))
	num(colOriginLBL, logparse.FieldOriginLBL, uint64(math.Float32bits(float32(rec.OriginLBL))))
	b.has[i] = has

	b.set(colEdgeLocation, i, rec.EdgeLocation)
	b.ip[i] = rec.ClientIP // NULL when not IsValid
	b.set(colMethod, i, rec.Method)
	b.set(colHost, i, rec.Host)
	b.set(colURIStem, i, rec.URIStem)
	b.set(colReferrer, i, b.redactQuery(rec.Referrer))
	b.set(colUserAgent, i, b.redactUserAgent(rec.UserAgent))
	b.set(colQuery, i, b.redactQuery(rec.Query))
	b.set(colCookie, i, b.redactCookie(rec.Cookie))
	b.set(colEdgeResultType, i, rec.EdgeResultType)
	b.set(colRequestID, i, rec.RequestID)
	b.set(colHostHeader, i, rec.HostHeader)
	b.set(colProtocol, i, rec.Protocol)
	b.set(colForwardedFor, i, rec.ForwardedFor)
	b.set(colTLSProtocol, i, rec.TLSProtocol)
	b.set(colTLSCipher, i, rec.TLSCipher)
	b.set(colEdgeResponseType, i, rec.EdgeResponseResultType)
	b.set(colProtocolVersion, i, rec.ProtocolVersion)
	b.set(colFLEStatus, i, rec.FLEStatus)
	b.set(colEdgeDetailedType, i, rec.EdgeDetailedResultType)
	b.set(colContentType, i, rec.ContentType)
	d := rec.DistributionID
	if d == "" {
		d = dist
	}
	b.set(colDistributionID, i, d)
	b.set(colCountry, i, rec.Country)
	b.set(colCacheBehaviorPathPattern, i, rec.CacheBehaviorPathPattern)
}

// set stores s as row i of string column c. Until a column has a non-empty
// string in the batch, its empty ones are not stored (a log's absent
// columns cost nothing); the first one clears the rows before it. Bytes
// that are not UTF-8 are stored %XX-escaped (utf8.go).
func (b *batch) set(c, i int, s string) {
	if s == "" {
		if b.used[c] {
			b.str[c][i] = ""
		}
		return
	}
	if !utf8.ValidString(s) {
		start := len(b.arena)
		b.arena = appendEscapeInvalid(b.arena, s)
		s = b.view(start)
	}
	if !b.used[c] {
		clear(b.str[c][:i])
		b.used[c] = true
	}
	b.str[c][i] = s
}

// view returns the arena bytes appended since start as a string, without
// copying: they are not written again until the batch is reused, after the
// workers have written it.
func (b *batch) view(start int) string {
	if len(b.arena) == start {
		return ""
	}
	return unsafe.String(&b.arena[start], len(b.arena)-start)
}

// redactQuery returns s with secret query values redacted (RedactQuery),
// building a changed value in the arena.
func (b *batch) redactQuery(s string) string {
	start := len(b.arena)
	var changed bool
	if b.arena, changed = appendRedactQuery(b.arena, s); changed {
		return b.view(start)
	}
	return s
}

// redactUserAgent returns s with JWTs redacted (RedactUserAgent).
func (b *batch) redactUserAgent(s string) string {
	start := len(b.arena)
	var changed bool
	if b.arena, changed = appendRedactUserAgent(b.arena, s); changed {
		return b.view(start)
	}
	return s
}

// redactCookie returns s with cookie values redacted (RedactCookie).
func (b *batch) redactCookie(s string) string {
	start := len(b.arena)
	var changed bool
	if b.arena, changed = appendRedactCookie(b.arena, s); changed {
		return b.view(start)
	}
	return s
}

// maxDecodeCache bounds a decodeCache; it is emptied when full.
const maxDecodeCache = 4096

// A decodeCache remembers logparse.Decode's results, for a decoded column
// whose dictionary is full (see columnWriter.writeDecoded): a map lookup
// replaces decoding and allocating the decoded copy for most rows. Keys
// are cloned, so the cache keeps no input block alive.
type decodeCache struct{ m map[string]string }

func (c *decodeCache) decode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	if d, ok := c.m[s]; ok {
		return d
	}
	d := validDecoded(logparse.Decode(s))
	if c.m == nil || len(c.m) >= maxDecodeCache {
		c.m = make(map[string]string, maxDecodeCache)
	}
	c.m[strings.Clone(s)] = d
	return d
}

// appendClock appends the UTC time of day of Unix second sec as "HH:MM:SS".
func appendClock(b []byte, sec int64) []byte {
	s := int(sec - floorDiv(sec, 86400)*86400)
	h, m, x := s/3600, s/60%60, s%60
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+x/10), byte('0'+x%10))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
