package dataset_test

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/logparse"
)

// FuzzEncoder writes random rows through the native encoder, with small
// pages, dictionaries and row groups so that every boundary is crossed,
// and reads them back through arrow-go: every value must be the record's
// by the dataset's rules (parquettest.CheckTable). The seeds in
// testdata/fuzz/FuzzEncoder and those below run with go test.
//
//	go test ./dataset -run '^$' -fuzz FuzzEncoder -fuzztime 5m
func FuzzEncoder(f *testing.F) {
	f.Add([]byte("GET /api/auth/session"), uint16(10), uint8(1), uint8(1))
	f.Add([]byte("\xff\xfe\x00%FF%c0%ae code=abc; next-auth.session-token=xyz"), uint16(700), uint8(2), uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint16(2999), uint8(0), uint8(3))
	f.Add([]byte(strings.Repeat("\U0010FFFF\xff", 40)), uint16(1500), uint8(255), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, rows uint16, pageKiB, dictKiB uint8) {
		if len(data) == 0 {
			return
		}
		recs := fuzzRecords(data, 1+int(rows)%3000)
		opts := dataset.Options{
			Encoder:         dataset.EncoderNative,
			PageBytes:       1<<10 + int(pageKiB)<<10,
			DictionaryBytes: 1<<10 + int(dictKiB)<<10,
			RowGroupRows:    1 + int64(rows)%1100,
			DistributionID:  "EFUZZ",
		}
		tbl := parquettest.ReadTable(t, writeParquet(t, recs, "", opts))
		defer tbl.Release()
		parquettest.CheckTable(t, tbl, recs, "", "EFUZZ")
	})
}

// maxFuzzLong bounds the long values of one input, so that an input of
// 0xFF bytes (every value long) stays quick and small.
const maxFuzzLong = 256 << 10

// fuzzRecords makes n records from data, read cyclically: each field takes
// the next bytes, so a short input still fills every column, and repeats
// (which dictionaries see) come from the cycle.
func fuzzRecords(data []byte, n int) []logparse.Record {
	pos := 0
	next := func() byte {
		b := data[pos%len(data)]
		pos++
		return b
	}
	bytesOf := func(k int) []byte {
		out := make([]byte, k)
		for i := range out {
			out[i] = next()
		}
		return out
	}
	long := 0 // bytes of long values so far: a few hundred KiB at most
	str := func() string {
		switch l := next(); {
		case l < 64: // NULL, often
			return ""
		case l == 255 && long < maxFuzzLong: // long: past pages, the column index's 64 bytes
			v := strings.Repeat(string(bytesOf(int(next())%8+1)), 700)
			long += len(v)
			return v
		default:
			return string(bytesOf(int(l) % 24))
		}
	}
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	recs := make([]logparse.Record, n)
	for i := range recs {
		r := &recs[i]
		// Mostly in order, sometimes back in time or across days.
		base = base.Add(time.Duration(int8(next())) * 37 * time.Millisecond)
		if next() == 0 {
			base = base.Add(-36 * time.Hour)
		}
		r.Time, r.Line = base, i+1
		for _, s := range []*string{&r.EdgeLocation, &r.Method, &r.Host, &r.URIStem, &r.Referrer, &r.UserAgent,
			&r.Query, &r.Cookie, &r.RequestID, &r.HostHeader, &r.Protocol, &r.ForwardedFor, &r.TLSProtocol,
			&r.TLSCipher, &r.EdgeResultType, &r.EdgeResponseResultType, &r.ProtocolVersion, &r.FLEStatus,
			&r.EdgeDetailedResultType, &r.ContentType, &r.Country, &r.CacheBehaviorPathPattern, &r.DistributionID} {
			*s = str()
		}
		switch next() % 3 {
		case 1:
			r.ClientIP = netip.AddrFrom4([4]byte(bytesOf(4)))
		case 2:
			r.ClientIP = netip.AddrFrom16([16]byte(bytesOf(16)))
		}
		i64 := func() int64 { return int64(binary.LittleEndian.Uint64(bytesOf(8))) }
		i32 := func() int { return int(int32(binary.LittleEndian.Uint32(bytesOf(4)))) }
		f32 := func() float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(bytesOf(4)))) }
		for _, num := range []struct {
			f   logparse.Field
			set func()
		}{
			{logparse.FieldBytesSent, func() { r.BytesSent = i64() }},
			{logparse.FieldBytesReceived, func() { r.BytesReceived = i64() }},
			{logparse.FieldContentLength, func() { r.ContentLength = i64() }},
			{logparse.FieldRangeStart, func() { r.RangeStart = i64() }},
			{logparse.FieldRangeEnd, func() { r.RangeEnd = i64() }},
			{logparse.FieldASN, func() { r.ASN = i64() }},
			{logparse.FieldStatus, func() { r.Status = i32() }},
			{logparse.FieldClientPort, func() { r.ClientPort = i32() }},
			{logparse.FieldFLEEncryptedFields, func() { r.FLEEncryptedFields = i32() }},
			{logparse.FieldTimeTaken, func() { r.TimeTaken = f32() }},
			{logparse.FieldTimeToFirstByte, func() { r.TimeToFirstByte = f32() }},
			{logparse.FieldOriginFBL, func() { r.OriginFBL = f32() }},
			{logparse.FieldOriginLBL, func() { r.OriginLBL = f32() }},
		} {
			if next()&1 == 1 {
				num.set()
				r.SetHas(num.f)
			}
		}
	}
	return recs
}
