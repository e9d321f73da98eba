//! Dates and periods of timeline files: a month `"2024-03"` or a day
//! `"2024-03-15"`, and the periods (months, weeks from Monday, days) they
//! fall in.
//!
//! ```
//! use munflow::scenario::{Date, Period};
//! let start: Date = "2023-08".parse().unwrap();
//! let end: Date = "2025-06".parse().unwrap();
//! assert_eq!(Period::Month.count(start, end), 23);
//! assert!("2024-02-30".parse::<Date>().unwrap_err().contains("February 2024 has 29 days"));
//! ```

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The years a date may have: the timeline's periods are computed in
/// Python's `datetime`, whose last year is 9999 (one year of headroom for the
/// period after the last).
const YEARS: std::ops::RangeInclusive<i32> = 1..=9998;

/// A date as an analyst writes it: a month (`2024-03`, its first day) or a
/// day (`2024-03-15`). It is written back the way it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    /// Whether the day was written (`2024-03-01`) or implied (`2024-03`).
    pub day_given: bool,
}

impl Date {
    /// Days since 1970-01-01 (negative before), for comparisons and periods.
    pub fn ordinal(self) -> i64 {
        days_from_civil(self.year as i64, self.month, self.day)
    }
}

impl PartialOrd for Date {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.ordinal().cmp(&other.ordinal()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)?;
        if self.day_given {
            write!(f, "-{:02}", self.day)?;
        }
        Ok(())
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for Date {
    type Err = String;

    /// `YYYY-MM` or `YYYY-MM-DD`; the message says what is wrong.
    fn from_str(text: &str) -> Result<Date, String> {
        let expected =
            || format!("expected a date such as '2024-03' or '2024-03-15', got '{text}'");
        let parts: Vec<&str> = text.trim().split('-').collect();
        let number = |s: &str, digits: usize| -> Option<u32> {
            (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (year, month, day) = match parts.as_slice() {
            [y, m] => (number(y, 4), number(m, 2), Some(1)),
            [y, m, d] => (number(y, 4), number(m, 2), number(d, 2)),
            _ => return Err(expected()),
        };
        let (Some(year), Some(month), Some(day)) = (year, month, day) else {
            return Err(expected());
        };
        let year = year as i32;
        if !YEARS.contains(&year) {
            return Err(format!(
                "'{text}': the year must be from {} to {}",
                YEARS.start(),
                YEARS.end()
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("'{text}': there is no month {month}"));
        }
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            return Err(format!(
                "'{text}' is not a date: {} {year} has {last} days",
                MONTHS[month as usize - 1]
            ));
        }
        Ok(Date {
            year,
            month,
            day,
            day_given: parts.len() == 3,
        })
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as \"2024-03\" or \"2024-03-15\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Date, E> {
                text.parse().map_err(E::custom)
            }
            /// A TOML date written bare (`start = 2024-03-15`) arrives as a
            /// one-entry table holding its text.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
                };
                text.parse().map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// The length of a timeline's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Calendar months, labelled `2024-03`.
    #[default]
    Month,
    /// Weeks from Monday, labelled by their Monday.
    Week,
    Day,
}

impl Period {
    pub fn name(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Week => "week",
            Period::Day => "day",
        }
    }

    /// A number that grows by one from each period to the next.
    fn index(self, date: Date) -> i64 {
        match self {
            Period::Month => date.year as i64 * 12 + date.month as i64 - 1,
            // 1970-01-01 was a Thursday: shift so that weeks start on Monday.
            Period::Week => (date.ordinal() + 3).div_euclid(7),
            Period::Day => date.ordinal(),
        }
    }

    /// Periods from the one holding `start` to the one holding `end`, both
    /// included (0 or less when `end` is in an earlier period).
    pub fn count(self, start: Date, end: Date) -> i64 {
        self.index(end) - self.index(start) + 1
    }

    /// Whether `date` falls in a period from the one holding `start` to the
    /// one holding `end`.
    pub fn within(self, date: Date, start: Date, end: Date) -> bool {
        (self.index(start)..=self.index(end)).contains(&self.index(date))
    }
}

/// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (month as i64, day as i64);
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn days_are_counted_from_the_epoch() {
        assert_eq!(date("1970-01-01").ordinal(), 0);
        assert_eq!(date("2000-03-01").ordinal(), 11_017);
        assert_eq!(date("1969-12-31").ordinal(), -1);
    }

    #[test]
    fn periods_are_counted_as_python_counts_them() {
        // Weeks from Monday: 2024-01-01 was a Monday, 2024-01-07 a Sunday.
        assert_eq!(
            Period::Week.count(date("2024-01-01"), date("2024-01-07")),
            1
        );
        assert_eq!(
            Period::Week.count(date("2024-01-07"), date("2024-01-08")),
            2
        );
        assert_eq!(Period::Day.count(date("2024-02"), date("2024-03")), 30);
        assert_eq!(Period::Month.count(date("2024-05"), date("2024-04-30")), 0);
        assert!(Period::Month.within(date("2024-06-30"), date("2024-01"), date("2024-06")));
        assert!(!Period::Week.within(date("2023-12-31"), date("2024-01-03"), date("2024-02")));
    }

    #[test]
    fn bad_dates_say_why() {
        for (text, want) in [
            ("2024-3", "expected a date such as"),
            ("2024-13", "there is no month 13"),
            ("2023-02-29", "February 2023 has 28 days"),
            ("9999-12-31", "the year must be from 1 to 9998"),
            ("march", "expected a date"),
        ] {
            let err = text.parse::<Date>().unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
        assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
        assert_eq!(date("2024-02").to_string(), "2024-02");
    }
}
