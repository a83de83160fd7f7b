// Package migrations embeds the SQL migrations applied with golang-migrate.
package migrations

import "embed"

// FS holds the *.up.sql and *.down.sql files.
//
//go:embed *.sql
var FS embed.FS
