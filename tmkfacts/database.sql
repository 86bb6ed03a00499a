-- The database of a fact base (tmkfacts/db.py writes it): the one `search` queries, and the one
-- `tmkfacts export --to FILE.db` copies. Lists are JSON arrays; `file` numbers the fact files
-- in meta's `files`, and `line` is where a record starts in its file.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, publisher TEXT NOT NULL, url TEXT NOT NULL,
    published TEXT NOT NULL, notes TEXT, title_supplied INTEGER NOT NULL, language TEXT,
    file INTEGER, line INTEGER
);
CREATE TABLE entities (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, short_name TEXT, type TEXT NOT NULL, country TEXT,
    parent TEXT REFERENCES entities(id), role TEXT, organization TEXT REFERENCES entities(id),
    description TEXT, aliases TEXT NOT NULL, relations TEXT NOT NULL,
    search_aliases TEXT NOT NULL, file INTEGER, line INTEGER
);
-- A fact's date is `date` (YYYY, YYYY-MM or YYYY-MM-DD) as written, with the curator's bounds
-- `not_before` and `not_after`. Its span (tmkfacts.dates.span) is the days it may fall in,
-- `earliest` to `latest` (YYYY-MM-DD): the date narrowed by those bounds and, for every kind but
-- plans and forecasts, ended by the first publication of its sources. `span_start` and
-- `span_end` are the dates that give those days (the fact's own, or the bound). The last
-- five columns are what the full-text index reads beside the fact's own words: its entities'
-- names, its materials and tags, its entities' countries, its place and figures, and its year
-- and month. `digest` tells its bytes from any other, so that an edit reads only what changed.
-- `subject` is 1 for a fact about the base's subject (TMK), which search ranks a little higher.
CREATE TABLE facts (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, date TEXT NOT NULL, not_before TEXT,
    not_after TEXT, span_start TEXT NOT NULL, span_end TEXT NOT NULL, earliest TEXT NOT NULL,
    latest TEXT NOT NULL, date_note TEXT, kind TEXT NOT NULL, title TEXT NOT NULL,
    text TEXT NOT NULL, place TEXT, entities TEXT NOT NULL, sources TEXT NOT NULL,
    materials TEXT NOT NULL, tags TEXT NOT NULL, disputes TEXT NOT NULL, figures TEXT NOT NULL,
    position INTEGER NOT NULL, file INTEGER, line INTEGER, digest BLOB, subject INTEGER NOT NULL,
    names TEXT NOT NULL, topics TEXT NOT NULL, countries TEXT NOT NULL, details TEXT NOT NULL,
    period TEXT NOT NULL
);
CREATE TABLE fact_entities (
    fact TEXT NOT NULL REFERENCES facts(id), entity TEXT NOT NULL REFERENCES entities(id)
);
-- The lexicon's synonyms, countries, symbols and stop words, and the entities' names, each
-- phrase split and stemmed as the index splits and stems words.
CREATE TABLE search_phrases (
    grp TEXT NOT NULL, phrase TEXT NOT NULL, text TEXT NOT NULL, first TEXT NOT NULL
);
-- The columns in the order of db.WEIGHTS; the tokenizer is db.TOKENIZE.
CREATE VIRTUAL TABLE facts_fts USING fts5(
    title, kind, names, topics, countries, text, details, id, period,
    content="facts", content_rowid="rowid", tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE facts_vocab USING fts5vocab(facts_fts, 'row');
CREATE VIRTUAL TABLE facts_vocab_instance USING fts5vocab(facts_fts, 'instance');
-- after the rows are written
CREATE INDEX facts_by_date ON facts(latest, earliest, position);
CREATE INDEX facts_by_position ON facts(position);
CREATE INDEX fact_entities_by_fact ON fact_entities(fact, entity);
CREATE INDEX fact_entities_by_entity ON fact_entities(entity);
CREATE INDEX search_phrases_by_first ON search_phrases(first, grp);
CREATE INDEX search_phrases_by_group ON search_phrases(grp);
