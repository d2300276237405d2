//! The statements of a write unit, written once and run by each store's own driver.
//!
//! Why two drivers (issue 7): sqlx runs every SQLite statement on a connection thread and
//! answers through channels, so each statement costs a round trip between threads (about
//! 58 µs on this machine, bench `sqlx_sqlite_round_trip`). A write unit is six to ten
//! statements on SQLite's one writer, which capped every write at about 2,000/s. SQLite's
//! writer therefore runs its statements in place with rusqlite (`sqlite_writer`), a few
//! microseconds each, and so do SQLite's readers for the point reads of the ack path
//! (`SqliteStore::reader`); PostgreSQL stays on sqlx. The shared SQL calls [`Conn`] and
//! does not know which one it talks to.
//!
//! Parameters are `$1`, `$2`, ... in both dialects; [`Arg`] carries each value with its
//! type, so a NULL is still typed for PostgreSQL.

use super::directives::AckRow;
use super::tickets::{IntakeLookup, PhoneKeyRow};
use super::{
    AgentRow, AuditRow, CheckinRow, CustomerRow, FollowupRow, JobRow, PostedMessage, RequesterRow,
    ShiftRow, SlackUserRow, StoreResult, TurnRow,
};
use super::{ChannelIdRow, SlackStopRow};
use crate::domain::directive::Directive;
use crate::domain::sla::SlaState;
use crate::domain::ticket::{Claim, Ticket};

/// One bound parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Arg<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Bool(Option<bool>),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(Some(v))
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref())
    }
}

/// `args![a, b, c]`: a slice of [`Arg`]s.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::db::exec::Arg::from($v)),*]
    };
}

pub(crate) use args;

/// A row type both drivers can read: sqlx's `FromRow` for PostgreSQL, and by column
/// position for rusqlite (each store's SQL names the columns in the struct's order).
pub(crate) trait Decode:
    for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin + Sized
{
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// What the shared SQL can ask of a connection: a write unit's, or a reader's.
pub(crate) trait Conn: Send {
    /// Runs one statement; the number of rows it changed.
    async fn exec(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<u64>;
    /// The first column of the first row; None when no row came back (or it is NULL).
    async fn scalar(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Option<i64>>;
    /// Every row.
    async fn rows<T: Decode>(&mut self, sql: &'static str, args: &[Arg<'_>])
        -> StoreResult<Vec<T>>;
    /// The first row, if any.
    async fn row<T: Decode>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Option<T>> {
        Ok(self.rows(sql, args).await?.into_iter().next())
    }
}

/// A PostgreSQL row's columns read by position, as
/// `from_sqlite` reads them (a column looked up by name costs a hash of the name, and a
/// ticket has 51). Debug builds check each name against the one expected, so a query
/// whose columns are not in the struct's order fails its tests.
struct InOrder<'r> {
    row: &'r sqlx::postgres::PgRow,
}

impl<'r> InOrder<'r> {
    fn new(row: &'r sqlx::postgres::PgRow) -> Self {
        Self { row }
    }

    /// Column `at`, which the caller expects to be named `name`.
    fn get<T>(&self, at: usize, name: &str) -> sqlx::Result<T>
    where
        T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        use sqlx::{Column, Row};
        debug_assert_eq!(
            self.row.columns().get(at).map(|c| c.name()),
            Some(name),
            "column {at} of the row is not the one the struct expects there"
        );
        let _ = name;
        // Debug builds (the tests, on both backends) also check the column's type against
        // `T`'s; release builds skip that check (a fifth of a row's decoding): the
        // columns' types are the migrations', and a change to one fails those tests.
        if cfg!(debug_assertions) {
            self.row.try_get(at)
        } else {
            self.row.try_get_unchecked(at)
        }
    }
}

/// A `tickets` row as a domain [`Ticket`], its columns read by position in
/// `ticket_columns!`'s order through `$r.get(at, name)`: the one list both backends' readers
/// ([`InOrder`] for PostgreSQL, [`SqliteInOrder`] for SQLite) expand.
macro_rules! ticket_from_columns {
    ($r:ident) => {
        Ticket {
            id: $r.get(0, "id")?,
            helpdesk: $r.get(1, "helpdesk")?,
            external_id: $r.get(2, "external_id")?,
            kind: $r.get(3, "kind")?,
            status: $r.get(4, "status")?,
            priority: $r.get(5, "priority")?,
            subject: $r.get(6, "subject")?,
            url: $r.get(7, "url")?,
            customer_id: $r.get(8, "customer_id")?,
            customer_name: $r.get(9, "customer_name")?,
            customer_email: $r.get(10, "customer_email")?,
            customer_phone: $r.get(11, "customer_phone")?,
            customer_order_id: $r.get(12, "customer_order_id")?,
            department: $r.get(13, "department")?,
            group_name: $r.get(14, "group_name")?,
            tags: $r.get(15, "tags")?,
            message: $r.get(16, "message")?,
            social: $r.get(17, "social")?,
            review: $r.get(18, "review")?,
            channel: $r.get(19, "channel")?,
            claimed_by: $r.get(20, "claimed_by")?,
            answered: $r.get(21, "answered")?,
            customer_replied_at: $r.get(22, "customer_replied_at")?,
            missed_calls: $r.get(23, "missed_calls")?,
            opened_at: $r.get(24, "opened_at")?,
            created_at: $r.get(25, "created_at")?,
            updated_at: $r.get(26, "updated_at")?,
            claim: Claim {
                claimed_at: $r.get(27, "claimed_at")?,
                claim_seq: $r.get(28, "claim_seq")?,
                last_activity_at: $r.get(29, "last_activity_at")?,
                lease_asked_at: $r.get(30, "lease_asked_at")?,
                escalated_to: $r.get(31, "escalated_to")?,
                escalated_by: $r.get(32, "escalated_by")?,
                escalated_at: $r.get(33, "escalated_at")?,
                called_back_by: $r.get(34, "called_back_by")?,
                called_back_at: $r.get(35, "called_back_at")?,
                unclaimed_due_at: $r.get(48, "unclaimed_due_at")?,
                unclaimed_told_at: $r.get(49, "unclaimed_told_at")?,
                auto_seq: $r.get(50, "auto_seq")?,
            },
            sla: SlaState {
                policy: $r.get(36, "sla_policy")?,
                kind: $r.get(37, "sla_kind")?,
                budget_ms: $r.get(38, "sla_budget_ms")?,
                used_ms: $r.get(39, "sla_used_ms")?,
                since: $r.get(40, "sla_since")?,
                due_at: $r.get(41, "sla_due_at")?,
                warn_at: $r.get(42, "sla_warn_at")?,
                next_at: $r.get(43, "sla_next_at")?,
                warned_at: $r.get(44, "sla_warned_at")?,
                breached_at: $r.get(45, "sla_breached_at")?,
                met_at: $r.get(46, "sla_met_at")?,
            },
            quiet: $r.get(47, "quiet")?,
        }
    };
}

/// A ticket's columns for PostgreSQL: the one place a `tickets` row becomes a domain
/// [`Ticket`] (with [`Decode::from_sqlite`], from the same list).
impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for Ticket {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        let r = InOrder::new(row);
        Ok(ticket_from_columns!(r))
    }
}

/// A directive's columns, by name, for PostgreSQL.
impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for Directive {
    fn from_row(r: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(Directive {
            id: r.try_get("id")?,
            author: r.try_get("author")?,
            text: r.try_get("text")?,
            audience: r.try_get("audience")?,
            until_at: r.try_get("until_at")?,
            ended_at: r.try_get("ended_at")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

impl Decode for Ticket {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        let r = SqliteInOrder { row };
        Ok(ticket_from_columns!(r))
    }
}

/// [`InOrder`] for SQLite: column `at`, checked against `name` in debug builds.
struct SqliteInOrder<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
}

impl SqliteInOrder<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, at: usize, name: &str) -> rusqlite::Result<T> {
        debug_assert_eq!(
            self.row.as_ref().column_name(at).ok(),
            Some(name),
            "column {at} of the row is not the one the struct expects there"
        );
        let _ = name;
        self.row.get(at)
    }
}

/// An intake lookup's row: the ticket's columns (all NULL when there is none), then
/// `fresh`, `found_customer`, `new_customer`, `next_id`.
impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for IntakeLookup {
    fn from_row(r: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        let existing = match r.try_get::<Option<i64>, _>("id")? {
            Some(_) => Some(Ticket::from_row(r)?),
            None => None,
        };
        let customer = r.try_get::<Option<i64>, _>("found_customer")?;
        Ok(IntakeLookup {
            fresh: r.try_get::<i64, _>("fresh")? == 1,
            customer: customer
                .map(|id| Ok::<_, sqlx::Error>((id, r.try_get("new_customer")?)))
                .transpose()?,
            existing,
            next_id: r.try_get("next_id")?,
        })
    }
}

/// Only PostgreSQL reads an intake lookup as one row (SQLite has no INSERT in a `WITH`
/// and runs the lookup as separate statements).
impl Decode for IntakeLookup {
    fn from_sqlite(_: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Err(rusqlite::Error::InvalidQuery)
    }
}

/// `Decode` for a flat row type: column i is the i-th field listed here, so every SELECT of
/// the type names its columns in this order (a field left out does not compile).
macro_rules! decode_in_order {
    ($($ty:ident { $($field:ident),+ $(,)? })+) => {$(
        impl Decode for $ty {
            fn from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                let mut column = 0..;
                Ok($ty {
                    $($field: r.get(column.next().unwrap_or_default())?,)+
                })
            }
        }
    )+};
}

/// One number a row (a pace slot).
impl Decode for (i64,) {
    fn from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((r.get(0)?,))
    }
}

decode_in_order! {
    JobRow { id, name, payload, run_at, attempts, locked_until, last_error, dedupe_key, pace_key, paced_at, state, created_at }
    CustomerRow { id, name, email, phone, order_id, helpdesk_ids }
    PhoneKeyRow { id, phone, phone_key }
    FollowupRow { ticket_id, run, rev, active, reminded_step, overdue_at, started_by, updated_at }
    AuditRow { ticket_id, action, actor, target, source, detail, at }
    SlackUserRow { user_id, name, tz, fetched_at, email }
    AgentRow { user_id, helpdesk, agent_id, email, source, matched_at }
    RequesterRow { helpdesk, requester_id, name, email, phone, fetched_at }
    PostedMessage { msg_key, channel, ts }
    SlackStopRow { event, at }
    ChannelIdRow { name, channel_id }
    ShiftRow { user_id, on_since, off_at, nudged_for, updated_at }
    CheckinRow { user_id, day, name, prompted_at, closes_at, checked_at, missed_at }
    AckRow { user_id, at }
    TurnRow { last_user, turn }
    Directive { id, author, text, audience, until_at, ended_at, created_at }
}

mod pg {
    use super::{Arg, Conn, Decode};
    use crate::db::StoreResult;
    use sqlx::postgres::PgArguments;
    use sqlx::query::{Query, QueryAs, QueryScalar};
    use sqlx::{PgConnection, Postgres};

    /// The arguments in order (sqlx numbers them `$1`, `$2`, ...), in one buffer sized
    /// for them up front: a claim's write binds about fifty, and bound one at a time
    /// through `Query::bind` each moved the whole query and the buffers grew by doubling.
    /// A value sqlx cannot encode (text longer than `i32::MAX` bytes) fails the statement
    /// before anything is sent, as `bind` would.
    fn arguments(args: &[Arg<'_>]) -> sqlx::Result<PgArguments> {
        use sqlx::Arguments;
        let mut out = PgArguments::default();
        let text: usize = args
            .iter()
            .map(|a| match a {
                Arg::Text(Some(v)) => v.len(),
                _ => 0,
            })
            .sum();
        // Each value: a 4-byte length, then at most 8 bytes (or the text).
        out.reserve(args.len(), args.len() * 12 + text);
        for a in args {
            match *a {
                Arg::Int(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(out)
    }

    fn query<'q>(
        sql: &'static str,
        args: &[Arg<'q>],
    ) -> sqlx::Result<Query<'q, Postgres, PgArguments>> {
        Ok(sqlx::query_with(sql, arguments(args)?))
    }

    fn scalar<'q>(
        sql: &'static str,
        args: &[Arg<'q>],
    ) -> sqlx::Result<QueryScalar<'q, Postgres, Option<i64>, PgArguments>> {
        Ok(sqlx::query_scalar_with(sql, arguments(args)?))
    }

    fn rows<'q, T: Decode>(
        sql: &'static str,
        args: &[Arg<'q>],
    ) -> sqlx::Result<QueryAs<'q, Postgres, T, PgArguments>> {
        Ok(sqlx::query_as_with(sql, arguments(args)?))
    }

    impl Conn for PgConnection {
        async fn exec(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<u64> {
            Ok(query(sql, args)?.execute(self).await?.rows_affected())
        }

        async fn scalar(
            &mut self,
            sql: &'static str,
            args: &[Arg<'_>],
        ) -> StoreResult<Option<i64>> {
            Ok(scalar(sql, args)?.fetch_optional(self).await?.flatten())
        }

        async fn rows<T: Decode>(
            &mut self,
            sql: &'static str,
            args: &[Arg<'_>],
        ) -> StoreResult<Vec<T>> {
            Ok(rows(sql, args)?.fetch_all(self).await?)
        }
    }
}
