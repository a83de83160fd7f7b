package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// commonPasswords are passwords that guessing tools try first (the most common in leaked
// lists, Chinese favourites among them); none is accepted whatever its length.
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`
		12345678 123456789 1234567890 11111111 00000000 88888888 66666666 12341234 87654321 11223344
		123123123 147258369 123321123 password password1 password123 passw0rd p@ssw0rd p@ssword qwertyui
		qwerty123 qwertyuiop 1qaz2wsx 1q2w3e4r 1q2w3e4r5t zaq12wsx asdfghjk asdf1234 abcd1234 abc12345
		abc123456 a1234567 a12345678 aa123456 a123456789 iloveyou woaini1314 woaini520 5201314520 1314520520
		admin123 admin1234 administrator root1234 welcome1 welcome123 letmein1 changeme sunshine1 princess1
		football baseball dragon123 monkey123 superman trustno1 computer internet shanghai beijing123
		aftersales aftersales1 service123 huawei123 xiaomi123 aaaaaaaa zzzzzzzz qazwsxedc 12qwaszx
	`) {
		commonPasswords[p] = true
	}
}

// PasswordProblem returns why a password may not be used for username (a catalog key),
// or "" when it may: shorter than MinPasswordLen, on the list of common passwords, equal
// to or containing the username, or of one character class only (all digits, all
// letters…) while shorter than 12 characters.
func PasswordProblem(username, password string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return "user.field.password_short"
	case len(password) > MaxPasswordBytes:
		return "user.field.password_long"
	case strings.TrimSpace(password) == "":
		return "user.field.password_blank"
	case commonPasswords[strings.ToLower(password)]:
		return "user.field.password_common"
	}
	if u := strings.ToLower(strings.TrimSpace(username)); len(u) >= 2 && strings.Contains(strings.ToLower(password), u) {
		return "user.field.password_username"
	}
	if n < 12 && classes(password) < 2 {
		return "user.field.password_simple"
	}
	return ""
}

// classes counts the kinds of character in s: lower-case, upper-case, digits, others.
func classes(s string) int {
	var lower, upper, digit, other bool
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			n++
		}
	}
	return n
}
