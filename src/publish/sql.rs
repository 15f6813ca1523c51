//! The SQL of a publish: table names, and the statements of each step
//! (see the module docs of [`super`]).

use super::{COLUMNS, SNAPSHOTS_TABLE, SWAP_LOCK_TIMEOUT_S};

/// Longest table name accepted: what leaves room in PostgreSQL's 63-byte
/// identifiers for the staging table's and its indexes' suffixes.
pub const MAX_TABLE_NAME: usize = 40;

/// Advisory lock key every publish takes (transaction-scoped): publishes
/// to one database run one after another, so the history table's creation
/// and the swap never race. `b"mrk_pub1"` as a big-endian number.
const PUBLISH_LOCK: i64 = 0x6d72_6b5f_7075_6231;

/// A table as `--table` names it: `table` (the first schema of the
/// `search_path`) or `schema.table`, each part what an unquoted SQL name
/// is (`[a-z_][a-z0-9_]*`), so the name the CRM query types is the name
/// created: no quoting, no case folding in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    schema: Option<String>,
    name: String,
}

/// A `--table` that is not a plain SQL name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table name `{given}` {why}")]
pub struct TableNameError {
    given: String,
    why: String,
}

impl std::str::FromStr for TableName {
    type Err = TableNameError;

    fn from_str(given: &str) -> Result<TableName, TableNameError> {
        let bad = |why: String| TableNameError {
            given: given.to_string(),
            why,
        };
        let plain = |part: &str| {
            let mut chars = part.chars();
            matches!(chars.next(), Some('a'..='z' | '_'))
                && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        };
        let (schema, name) = match given.split_once('.') {
            Some((s, n)) => (Some(s), n),
            None => (None, given),
        };
        for part in schema.into_iter().chain([name]) {
            if !plain(part) {
                return Err(bad(format!(
                    "is not a plain SQL name: `{part}` must be lower-case letters, digits and `_`, starting with a letter or `_` (as in `crm.influence`)"
                )));
            }
        }
        if name.len() > MAX_TABLE_NAME {
            return Err(bad(format!(
                "is longer than {MAX_TABLE_NAME} bytes (the staging table's and indexes' suffixes must fit PostgreSQL's 63)"
            )));
        }
        if name.starts_with(SNAPSHOTS_TABLE) || name.contains("__mr") {
            return Err(bad("is one of marketrank's own tables".into()));
        }
        Ok(TableName {
            schema: schema.map(String::from),
            name: name.to_string(),
        })
    }
}

impl TableName {
    /// `schema.table` or `table`, as given: the key of the history table.
    pub fn display(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The name for SQL text, quoted.
    pub fn quoted(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", quote(s), quote(&self.name)),
            None => quote(&self.name),
        }
    }

    /// Another relation in the same schema.
    pub fn sibling(&self, name: &str) -> TableName {
        TableName {
            schema: self.schema.clone(),
            name: name.to_string(),
        }
    }

    fn suffixed(&self, suffix: &str) -> TableName {
        self.sibling(&format!("{}{suffix}", self.name))
    }

    /// Where the rows go before the swap.
    pub fn staging(&self) -> TableName {
        self.suffixed("__mr_staging")
    }

    /// Where the replaced table goes, inside the swap, before it is dropped.
    pub fn old(&self) -> TableName {
        self.suffixed("__mr_old")
    }
}

/// `name` as a quoted SQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The two indexes: (name in the staging table, name once live, columns).
fn index_names(t: &TableName) -> [(TableName, String, &'static str); 2] {
    [
        (
            t.suffixed("__mrs_user"),
            format!("{}_user_idx", t.name),
            "\"user\"",
        ),
        (
            t.suffixed("__mrs_market_rank"),
            format!("{}_market_rank_idx", t.name),
            "market, rank",
        ),
    ]
}

/// Lock, the history table, leftovers dropped, the staging table created.
pub fn prepare(t: &TableName) -> String {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(c, ty)| format!("{} {ty}", quote(c)))
        .collect();
    format!(
        "SELECT pg_advisory_xact_lock({PUBLISH_LOCK});
         CREATE TABLE IF NOT EXISTS {history} (
             id bigserial PRIMARY KEY,
             table_name text NOT NULL,
             snapshot_id text NOT NULL,
             snapshot_created timestamptz NOT NULL,
             published_at timestamptz NOT NULL DEFAULT now(),
             rows bigint NOT NULL,
             users bigint NOT NULL,
             markets text[] NOT NULL,
             top bigint,
             min_percentile double precision,
             marketrank_version text NOT NULL);
         DROP TABLE IF EXISTS {staging};
         DROP TABLE IF EXISTS {old};
         CREATE TABLE {staging} ({columns});",
        history = t.sibling(SNAPSHOTS_TABLE).quoted(),
        staging = t.staging().quoted(),
        old = t.old().quoted(),
        columns = columns.join(", "),
    )
}

/// The indexes on the staging table, and its planner statistics (so the
/// first query after the swap is planned on real numbers).
pub fn indexes(t: &TableName) -> String {
    let staging = t.staging().quoted();
    let mut s = String::new();
    for (idx, _, cols) in index_names(t) {
        s.push_str(&format!(
            "CREATE INDEX {} ON {staging} ({cols});\n",
            quote(&idx.name)
        ));
    }
    s.push_str(&format!("ANALYZE {staging};"));
    s
}

/// `GRANT` statements repeating the privileges others hold on `live`
/// (none when it does not exist): the CRM sync's role keeps its `SELECT`
/// across a publish. The owner's own privileges are implicit.
pub fn grants_of(
    tx: &mut postgres::Transaction<'_>,
    live: &str,
) -> Result<Vec<String>, postgres::Error> {
    let rows = tx.query(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
                a.privilege_type, a.is_grantable
         FROM pg_class c
         CROSS JOIN LATERAL aclexplode(c.relacl) a
         LEFT JOIN pg_roles r ON r.oid = a.grantee
         WHERE c.oid = to_regclass($1) AND a.grantee <> c.relowner
         ORDER BY 1, 2",
        &[&live],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let (who, what, grantable): (String, String, bool) = (r.get(0), r.get(1), r.get(2));
            let option = if grantable { " WITH GRANT OPTION" } else { "" };
            format!("GRANT {what} ON {live} TO {who}{option};")
        })
        .collect())
}

/// The swap: the old table and its indexes renamed away, the staging
/// table and its indexes renamed in, grants repeated. Each rename waits at
/// most [`SWAP_LOCK_TIMEOUT_S`] for readers. The old table is dropped
/// after the commit ([`super::publish`]).
pub fn swap(t: &TableName, grants: &[String]) -> String {
    let mut s = format!(
        "SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT_S}s';
         ALTER TABLE IF EXISTS {live} RENAME TO {old_bare};\n",
        live = t.quoted(),
        old_bare = quote(&t.old().name),
    );
    for (idx, final_name, _) in index_names(t) {
        let retired = format!(
            "{}__mro{}",
            t.name,
            &idx.name[t.name.len() + "__mrs".len()..]
        );
        s.push_str(&format!(
            "ALTER INDEX IF EXISTS {} RENAME TO {};\n",
            t.sibling(&final_name).quoted(),
            quote(&retired)
        ));
    }
    s.push_str(&format!(
        "ALTER TABLE {} RENAME TO {};\n",
        t.staging().quoted(),
        quote(&t.name)
    ));
    for (idx, final_name, _) in index_names(t) {
        s.push_str(&format!(
            "ALTER INDEX {} RENAME TO {};\n",
            idx.quoted(),
            quote(&final_name)
        ));
    }
    for g in grants {
        s.push_str(g);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_sql_names() {
        let t: TableName = "crm.influence".parse().unwrap();
        assert_eq!(t.quoted(), "\"crm\".\"influence\"");
        assert_eq!(t.staging().quoted(), "\"crm\".\"influence__mr_staging\"");
        assert_eq!(t.display(), "crm.influence");
        for bad in [
            "Influence",
            "in fluence",
            "x;drop table y",
            "",
            "a.b.c",
            "1x",
            "marketrank_snapshots",
        ] {
            assert!(bad.parse::<TableName>().is_err(), "{bad}");
        }
        assert!("a".repeat(41).parse::<TableName>().is_err());
        assert!("a".repeat(40).parse::<TableName>().is_ok());
    }
}
