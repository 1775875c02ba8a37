package detectors

import (
	"testing"

	"github.com/cfwatch/cfwatch/logparse"
)

// A class's Value is of the class, and every logged value falls in the
// class the rules read it as.
func TestTTFBClass(t *testing.T) {
	for c := TTFBAbsent; c < numTTFBClasses; c++ {
		var rec logparse.Record
		if v, ok := c.Value(); ok {
			rec.TimeToFirstByte = float64(v)
			rec.SetHas(logparse.FieldTimeToFirstByte)
		}
		if got := ClassifyTTFB(&rec); got != c {
			t.Errorf("class %d: its value %v is classified %d", c, rec.TimeToFirstByte, got)
		}
	}
	for _, c := range []struct {
		v    float64
		want TTFBClass
	}{{0, TTFBZero}, {0.001, TTFBEdgeOnly}, {0.0005, TTFBEdgeOnly}, {0.002, TTFBPositive}, {26.999, TTFBPositive},
		{27, TTFBReadTimeout}, {60, TTFBReadTimeout}, {-0.5, TTFBNegative}} {
		rec := logparse.Record{TimeToFirstByte: c.v}
		rec.SetHas(logparse.FieldTimeToFirstByte)
		if got := ClassifyTTFB(&rec); got != c.want {
			t.Errorf("%v: class %d, want %d", c.v, got, c.want)
		}
		if got := OriginNotAsked(&rec); got != (c.want == TTFBEdgeOnly || c.want == TTFBZero || c.want == TTFBNegative) {
			t.Errorf("%v: OriginNotAsked %v disagrees with class %d", c.v, got, c.want)
		}
	}
	if ClassifyTTFB(&logparse.Record{}) != TTFBAbsent || TTFBClass(numTTFBClasses).Valid() {
		t.Error("an unlogged value is not TTFBAbsent, or a class past the last is valid")
	}
}
