package backup

import (
	"context"
	"strings"
	"testing"
)

// TestFindTool: pg_dump is found for the installed major version (a missing one fails
// the test: backups need it), and a program that does not exist is an error that says
// what to install.
func TestFindTool(t *testing.T) {
	ctx := context.Background()
	p, err := FindTool(ctx, "pg_dump", 15)
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if m := toolMajor(ctx, p); m < 15 {
		t.Errorf("%s is version %d, older than the server", p, m)
	}
	if _, err := FindTool(ctx, "pg_nosuchtool", 15); err == nil || !strings.Contains(err.Error(), "postgresql-client-15") {
		t.Errorf("missing tool: %v", err)
	}
	if _, err := FindTool(ctx, "pg_dump", 99); err == nil || !strings.Contains(err.Error(), "older than the server") {
		t.Errorf("pg_dump for a newer server: %v", err)
	}
}

func TestLibpqURLDropsPoolSettings(t *testing.T) {
	got := libpqURL("postgres://u@h:5432/db?sslmode=disable&pool_max_conns=8")
	if got != "postgres://u@h:5432/db?sslmode=disable" {
		t.Errorf("got %s", got)
	}
}
