// Package apperr defines the one error type the services return. Each error carries a
// code (which server/errors.go maps to an HTTP status) and a message-catalog key, so the
// page can show it in the user's language.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the HTTP layer.
type Code string

// The error codes. server/errors.go is the only place they become HTTP statuses.
const (
	Invalid           Code = "invalid"
	NotFound          Code = "not_found"
	Forbidden         Code = "forbidden"
	Conflict          Code = "conflict"
	IllegalTransition Code = "illegal_transition"
	Unauthenticated   Code = "unauthenticated"
	TooManyRequests   Code = "too_many_requests"
	Internal          Code = "internal"
)

// Error is an application error with a catalog message key and template data.
type Error struct {
	Code Code
	// Key is the message-catalog key of the user-facing message.
	Key string
	// Data fills the message template ({{.State}} and so on).
	Data map[string]any
	// Fields maps form field names to message keys, for Invalid errors.
	Fields map[string]string
	// Err is the underlying cause, logged for Internal errors only.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	if len(e.Data) > 0 {
		s += fmt.Sprintf(" %v", e.Data)
	}
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" fields=%v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code, a message key and optional template data given as
// alternating name, value pairs.
func New(code Code, key string, kv ...any) *Error {
	e := &Error{Code: code, Key: key}
	if len(kv) > 0 {
		e.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			e.Data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return e
}

// Fields returns an Invalid error carrying per-field message keys.
func Fields(fields map[string]string) *Error {
	return &Error{Code: Invalid, Key: "error.invalid", Fields: fields}
}

// Wrap returns an Internal error around cause.
func Wrap(cause error, what string) *Error {
	return &Error{Code: Internal, Key: "error.internal", Err: fmt.Errorf("%s: %w", what, cause)}
}

// CodeOf returns the code of err, Internal for errors that are not *Error, "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as *Error, wrapping foreign errors as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(err, "unexpected")
}
