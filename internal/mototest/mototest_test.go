package mototest

import (
	"io"
	"net/http"
	"testing"
)

func TestStart(t *testing.T) {
	s := Start(t)
	resp, err := http.Get(s.Endpoint + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(body) == 0 || body[0] != '{' {
		t.Fatalf("moto-api/data.json: %d %q", resp.StatusCode, body)
	}
}
