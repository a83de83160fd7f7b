package textlimit

import "testing"

func TestCheckCountsCharactersNotBytes(t *testing.T) {
	s := Set{Default: 3, Fields: map[string]int{"name": 5}}
	f := s.Check(map[string]string{"kept": "x"}, "name", "五个汉字啊", "note", "四个字呀", "kept", "too long")
	if _, ok := f["name"]; ok {
		t.Error("five characters refused in a field of five")
	}
	if f["note"] != "field.max.3" {
		t.Errorf("note: %q", f["note"])
	}
	if f["kept"] != "x" {
		t.Errorf("an earlier message was replaced: %q", f["kept"])
	}
}
