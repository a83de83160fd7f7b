package calendar

import (
	"strings"
	"testing"
	"time"
)

// In March 2026: Mon 2, Tue 3, Wed 4, Thu 5, Fri 6, Sat 7, Sun 8, Mon 9.
// Around National Day 2026: Wed Sep 30, Thu Oct 1 .. Wed Oct 7, Thu Oct 8,
// Fri Oct 9, Sat Oct 10, Sun Oct 11, Mon Oct 12.

var sh = Default().Loc

// at builds a wall-clock time in Asia/Shanghai.
func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, sh)
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

// nationalDay is the default calendar with 2026-10-01..07 off and
// Saturday 2026-10-10 an adjusted working day.
func nationalDay(t *testing.T) Calendar {
	c := Default()
	for d := 1; d <= 7; d++ {
		c.Holidays = append(c.Holidays, Date{2026, time.October, d})
	}
	c.Workdays = []Date{mustDate(t, "2026-10-10")}
	return c
}

func TestDefault(t *testing.T) {
	c := Default()
	if c.Loc == nil || c.Loc.String() != "Asia/Shanghai" {
		t.Fatalf("Loc = %v, want Asia/Shanghai", c.Loc)
	}
	if c.DayStart != 9*time.Hour || c.DayEnd != 18*time.Hour {
		t.Errorf("hours = %v..%v, want 9h..18h", c.DayStart, c.DayEnd)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	if _, off := at(time.March, 3, 10, 0).Zone(); off != 8*3600 {
		t.Errorf("offset = %d, want UTC+8", off)
	}
	// Each call returns its own slices.
	c.Weekend[0] = time.Monday
	if Default().Weekend[0] != time.Saturday {
		t.Error("Default shares its Weekend slice between calls")
	}
}

func TestAddWorking(t *testing.T) {
	def := Default()
	nd := nationalDay(t)
	tests := []struct {
		name string
		cal  Calendar
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		{"within one day", def, at(time.March, 3, 10, 0), 2 * time.Hour, at(time.March, 3, 12, 0)},
		{"across the evening", def, at(time.March, 3, 17, 0), 2 * time.Hour, at(time.March, 4, 10, 0)},
		{"across the evening with minutes", def, at(time.March, 3, 17, 30), 90 * time.Minute, at(time.March, 4, 10, 0)},
		{"before opening", def, at(time.March, 3, 7, 0), time.Hour, at(time.March, 3, 10, 0)},
		{"after closing", def, at(time.March, 3, 20, 0), time.Hour, at(time.March, 4, 10, 0)},
		{"on a Saturday", def, at(time.March, 7, 10, 0), time.Hour, at(time.March, 9, 10, 0)},
		{"late Sunday", def, at(time.March, 8, 23, 59), 30 * time.Minute, at(time.March, 9, 9, 30)},
		{"across a weekend", def, at(time.March, 6, 17, 0), 4 * time.Hour, at(time.March, 9, 12, 0)},
		{"exactly at day end", def, at(time.March, 3, 17, 0), time.Hour, at(time.March, 3, 18, 0)},
		{"whole day from before opening ends at day end", def, at(time.March, 3, 8, 0), 9 * time.Hour, at(time.March, 3, 18, 0)},
		{"Friday day end stays on Friday", def, at(time.March, 6, 16, 0), 2 * time.Hour, at(time.March, 6, 18, 0)},
		{"start exactly at day end", def, at(time.March, 3, 18, 0), time.Hour, at(time.March, 4, 10, 0)},
		{"start exactly at opening", def, at(time.March, 3, 9, 0), 9 * time.Hour, at(time.March, 3, 18, 0)},
		{"one full week ends Friday evening", def, at(time.March, 2, 9, 0), 45 * time.Hour, at(time.March, 6, 18, 0)},
		{"one week and an hour", def, at(time.March, 2, 9, 0), 46 * time.Hour, at(time.March, 9, 10, 0)},
		{"zero duration", def, at(time.March, 3, 10, 0), 0, at(time.March, 3, 10, 0)},
		{"zero duration on Saturday stays put", def, at(time.March, 7, 10, 0), 0, at(time.March, 7, 10, 0)},
		{"negative duration counts as zero", def, at(time.March, 3, 10, 0), -time.Hour, at(time.March, 3, 10, 0)},
		{"input in UTC", def, time.Date(2026, time.March, 3, 2, 0, 0, 0, time.UTC), time.Hour, at(time.March, 3, 11, 0)},
		{"into the holiday", nd, at(time.September, 30, 17, 0), 3 * time.Hour, at(time.October, 8, 11, 0)},
		{"onto the adjusted Saturday", nd, at(time.October, 9, 17, 0), 2 * time.Hour, at(time.October, 10, 10, 0)},
		{"adjusted Saturday to its day end", nd, at(time.October, 9, 17, 0), 10 * time.Hour, at(time.October, 10, 18, 0)},
		{"starting on a holiday", nd, at(time.October, 1, 10, 0), time.Hour, at(time.October, 8, 10, 0)},
		{"after the adjusted Saturday", nd, at(time.October, 10, 18, 0), time.Hour, at(time.October, 12, 10, 0)},
		{"ordinary Sunday after the adjusted Saturday", nd, at(time.October, 11, 10, 0), time.Hour, at(time.October, 12, 10, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.AddWorking(tc.t, tc.d)
			if !got.Equal(tc.want) {
				t.Errorf("AddWorking(%v, %v) = %v, want %v", tc.t, tc.d, got, tc.want)
			}
			if got.Location() != tc.cal.Loc {
				t.Errorf("result location = %v, want %v", got.Location(), tc.cal.Loc)
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	def := Default()
	nd := nationalDay(t)
	tests := []struct {
		name string
		cal  Calendar
		t    time.Time
		n    int
		want time.Time
	}{
		{"Friday 16:00 plus one", def, at(time.March, 6, 16, 0), 1, at(time.March, 9, 16, 0)},
		{"midweek plus three", def, at(time.March, 3, 10, 0), 3, at(time.March, 6, 10, 0)},
		{"from Saturday ends at Monday day end", def, at(time.March, 7, 10, 0), 1, at(time.March, 9, 18, 0)},
		{"zero", def, at(time.March, 7, 10, 0), 0, at(time.March, 7, 10, 0)},
		{"negative", def, at(time.March, 3, 10, 0), -2, at(time.March, 3, 10, 0)},
		// 1h on Sep 30, 9h Oct 8, 9h Oct 9, 8h on the adjusted Saturday.
		{"over National Day", nd, at(time.September, 30, 17, 0), 3, at(time.October, 10, 17, 0)},
		// 2600 working days = 520 full weeks: ends on the Friday of week 520.
		{"ten years", def, at(time.March, 2, 9, 0), 2600, at(time.March, 2+520*7-3, 18, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.AddWorkingDays(tc.t, tc.n)
			if !got.Equal(tc.want) {
				t.Errorf("AddWorkingDays(%v, %d) = %v, want %v", tc.t, tc.n, got, tc.want)
			}
		})
	}
}

func TestWorkingBetween(t *testing.T) {
	def := Default()
	nd := nationalDay(t)
	tests := []struct {
		name string
		cal  Calendar
		a, b time.Time
		want time.Duration
	}{
		{"within one day", def, at(time.March, 3, 10, 0), at(time.March, 3, 12, 0), 2 * time.Hour},
		{"before opening to after closing", def, at(time.March, 3, 6, 0), at(time.March, 3, 22, 0), 9 * time.Hour},
		{"across a weekend", def, at(time.March, 6, 17, 0), at(time.March, 9, 12, 0), 4 * time.Hour},
		{"whole week", def, at(time.March, 2, 0, 0), at(time.March, 9, 0, 0), 45 * time.Hour},
		{"weekend only", def, at(time.March, 7, 0, 0), at(time.March, 8, 23, 0), 0},
		{"equal", def, at(time.March, 3, 10, 0), at(time.March, 3, 10, 0), 0},
		{"reversed", def, at(time.March, 3, 12, 0), at(time.March, 3, 10, 0), 0},
		{"over National Day", nd, at(time.September, 30, 17, 0), at(time.October, 10, 10, 0), 20 * time.Hour},
		{"mixed zones", def, time.Date(2026, time.March, 3, 1, 0, 0, 0, time.UTC), at(time.March, 3, 12, 0), 3 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.WorkingBetween(tc.a, tc.b); got != tc.want {
				t.Errorf("WorkingBetween(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestWorkingBetweenInvertsAddWorking(t *testing.T) {
	def := Default()
	nd := nationalDay(t)
	tests := []struct {
		name string
		cal  Calendar
		t    time.Time
		d    time.Duration
	}{
		{"within a day", def, at(time.March, 3, 10, 15), 3*time.Hour + 7*time.Minute},
		{"from Saturday", def, at(time.March, 7, 10, 0), 20 * time.Hour},
		{"to day end", def, at(time.March, 3, 17, 0), time.Hour},
		{"from after closing", def, at(time.March, 3, 19, 0), 100 * time.Hour},
		{"over National Day", nd, at(time.September, 28, 11, 0), 50 * time.Hour},
		{"zero", def, at(time.March, 7, 10, 0), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			end := tc.cal.AddWorking(tc.t, tc.d)
			if got := tc.cal.WorkingBetween(tc.t, end); got != tc.d {
				t.Errorf("WorkingBetween(t, AddWorking(t, %v)) = %v", tc.d, got)
			}
		})
	}
	// The other direction holds when b lies inside a working period.
	for _, b := range []time.Time{at(time.March, 3, 11, 0), at(time.March, 9, 16, 30), at(time.October, 10, 9, 1)} {
		a := at(time.March, 2, 14, 0)
		if back := nd.AddWorking(a, nd.WorkingBetween(a, b)); !back.Equal(b) {
			t.Errorf("AddWorking(a, WorkingBetween(a, %v)) = %v", b, back)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	def := Default()
	nd := nationalDay(t)
	both := nationalDay(t)
	both.Workdays = append(both.Workdays, mustDate(t, "2026-10-02"))
	tests := []struct {
		name string
		cal  Calendar
		day  string
		want bool
	}{
		{"Tuesday", def, "2026-03-03", true},
		{"Saturday", def, "2026-03-07", false},
		{"Sunday", def, "2026-03-08", false},
		{"holiday on a Thursday", nd, "2026-10-01", false},
		{"holiday on a Saturday", nd, "2026-10-03", false},
		{"day after the holiday", nd, "2026-10-08", true},
		{"adjusted Saturday", nd, "2026-10-10", true},
		{"ordinary Sunday", nd, "2026-10-11", false},
		{"listed in both lists counts as holiday", both, "2026-10-02", false},
		{"no weekend configured", Calendar{Loc: sh, DayStart: 9 * time.Hour, DayEnd: 18 * time.Hour}, "2026-03-07", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.IsWorkday(mustDate(t, tc.day)); got != tc.want {
				t.Errorf("IsWorkday(%s) = %v, want %v", tc.day, got, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	with := func(f func(*Calendar)) Calendar {
		c := Default()
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		cal     Calendar
		wantErr string // "" means valid
	}{
		{"default", Default(), ""},
		{"national day", nationalDay(t), ""},
		{"round the clock", with(func(c *Calendar) { c.DayStart, c.DayEnd = 0, 24*time.Hour }), ""},
		{"nil location", with(func(c *Calendar) { c.Loc = nil }), "time zone"},
		{"start equals end", with(func(c *Calendar) { c.DayEnd = c.DayStart }), "must be before"},
		{"start after end", with(func(c *Calendar) { c.DayStart, c.DayEnd = 18*time.Hour, 9*time.Hour }), "must be before"},
		{"end after 24h", with(func(c *Calendar) { c.DayEnd = 25 * time.Hour }), "day end 25h0m0s is outside"},
		{"negative start", with(func(c *Calendar) { c.DayStart = -time.Hour }), "day start -1h0m0s is outside"},
		{"bad weekday", with(func(c *Calendar) { c.Weekend = []time.Weekday{7} }), "weekend day 7"},
		{"bad holiday", with(func(c *Calendar) { c.Holidays = []Date{{2026, time.February, 30}} }), "holiday 2026-02-30 is not a valid date"},
		{"bad workday", with(func(c *Calendar) { c.Workdays = []Date{{2026, 13, 1}} }), "adjusted working day 2026-13-01"},
		{"date in both lists", with(func(c *Calendar) {
			c.Holidays = []Date{{2026, time.October, 1}}
			c.Workdays = []Date{{2026, time.October, 1}}
		}), "2026-10-01 is listed both as a holiday and as an adjusted working day"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cal.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("Validate() = nil, want error containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("Validate() = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2026-10-01")
	if err != nil || d != (Date{2026, time.October, 1}) {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	// Round trip over every day of 2026.
	for day := (Date{2026, time.January, 1}); day.Year == 2026; day = day.next() {
		got, err := ParseDate(day.String())
		if err != nil || got != day {
			t.Errorf("ParseDate(%q) = %v, %v", day.String(), got, err)
		}
	}
	for _, s := range []string{"", "2026-13-01", "2026-02-30", "2026/10/01", "26-10-01", "2026-1-1", "2026-10-01T00:00:00Z", "tomorrow"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) succeeded, want error", s)
		}
	}
}

func TestDateOf(t *testing.T) {
	u := time.Date(2026, time.September, 30, 20, 0, 0, 0, time.UTC) // 04:00 Oct 1 in Shanghai
	if got := DateOf(u, sh); got.String() != "2026-10-01" {
		t.Errorf("DateOf in Shanghai = %v", got)
	}
	if got := DateOf(u, nil); got.String() != "2026-09-30" {
		t.Errorf("DateOf with nil loc = %v", got)
	}
}

// finishes runs f and fails the test if it takes longer than a few seconds.
func finishes(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("did not finish")
	}
}

func TestNoWorkingDays(t *testing.T) {
	never := Default()
	never.Weekend = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	badHours := Default()
	badHours.DayStart, badHours.DayEnd = 18*time.Hour, 9*time.Hour
	for name, c := range map[string]Calendar{"every day is weekend": never, "inverted hours": badHours} {
		t.Run(name, func(t *testing.T) {
			finishes(t, func() {
				start := at(time.March, 3, 10, 0)
				if got := c.AddWorking(start, time.Hour); got.Year() != 9999 {
					t.Errorf("AddWorking = %v, want year 9999", got)
				}
				if got := c.AddWorkingDays(start, 3); got.Year() != 9999 {
					t.Errorf("AddWorkingDays = %v, want year 9999", got)
				}
				if got := c.WorkingBetween(start, start.AddDate(1, 0, 0)); got != 0 {
					t.Errorf("WorkingBetween = %v, want 0", got)
				}
			})
		})
	}
	// Only adjusted working days remain: the next one is still found.
	only := never
	only.Workdays = []Date{mustDate(t, "2026-12-31")}
	finishes(t, func() {
		if got, want := only.AddWorking(at(time.March, 3, 10, 0), time.Hour), at(time.December, 31, 10, 0); !got.Equal(want) {
			t.Errorf("AddWorking = %v, want %v", got, want)
		}
	})
}

func TestBigDurations(t *testing.T) {
	c := Default()
	start := at(time.March, 2, 9, 0)
	finishes(t, func() {
		// 100 years of working days overflows nothing and returns promptly.
		end := c.AddWorkingDays(start, 26000)
		if got := c.WorkingBetween(start, end); got != 26000*9*time.Hour {
			t.Errorf("WorkingBetween = %v, want %v", got, 26000*9*time.Hour)
		}
		if got := c.AddWorkingDays(start, 1<<40); got.Year() != 9999 {
			t.Errorf("AddWorkingDays(huge) = %v, want year 9999", got)
		}
	})
}

func TestDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("tz database not available:", err)
	}
	office := Calendar{Loc: ny, DayStart: 9 * time.Hour, DayEnd: 18 * time.Hour, Weekend: []time.Weekday{time.Saturday, time.Sunday}}
	// Clocks spring forward on Sunday 2026-03-08.
	if got, want := office.AddWorking(time.Date(2026, 3, 6, 17, 0, 0, 0, ny), 2*time.Hour), time.Date(2026, 3, 9, 10, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("AddWorking over spring forward = %v, want %v", got, want)
	}
	// Clocks fall back on Sunday 2026-11-01.
	if got, want := office.AddWorking(time.Date(2026, 10, 30, 17, 0, 0, 0, ny), 2*time.Hour), time.Date(2026, 11, 2, 10, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("AddWorking over fall back = %v, want %v", got, want)
	}
	always := Calendar{Loc: ny, DayStart: 0, DayEnd: 24 * time.Hour}
	tests := []struct {
		day  int
		mon  time.Month
		want time.Duration
	}{
		{8, time.March, 23 * time.Hour},
		{1, time.November, 25 * time.Hour},
		{9, time.March, 24 * time.Hour},
	}
	for _, tc := range tests {
		a := time.Date(2026, tc.mon, tc.day, 0, 0, 0, 0, ny)
		b := time.Date(2026, tc.mon, tc.day+1, 0, 0, 0, 0, ny)
		if got := always.WorkingBetween(a, b); got != tc.want {
			t.Errorf("WorkingBetween over %v = %v, want %v", a, got, tc.want)
		}
		if got := always.AddWorking(a, tc.want); !got.Equal(b) {
			t.Errorf("AddWorking(%v, %v) = %v, want %v", a, tc.want, got, b)
		}
	}
}
