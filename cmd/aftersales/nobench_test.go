//go:build !bench

package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// The production binary has no bench mode: serve -bench stops at once and says how to
// build a binary that has it.
func TestServeBenchRefusedWithoutTag(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve", "-bench"}, envOf(map[string]string{"DATABASE_URL": "postgres://nowhere.invalid/none"}), nil, &out, &errb)
	if !errors.Is(err, errNoBench) {
		t.Fatalf("serve -bench: %v, want %v", err, errNoBench)
	}
}
