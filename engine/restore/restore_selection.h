// Selective restore (issue 17): what `hyperdump restore` restores of an
// archive under pg_restore's selection flags -n/-N/-t/-I/--section/-s/-a/-L,
// and `hyperdump list --toc`, the listing a -L file is made from.
//
// The schema (schema.pgdump) is judged by pg_restore itself: `pg_restore -l`
// with the user's flags lists exactly the items pg_restore would restore, so
// schema items are selected as pg_restore does by construction (its rules
// for comments and privileges of selected objects included). The data,
// hyperdump's own files, is listed as pg_restore lists a directory archive's:
// one TABLE DATA entry per table, one SEQUENCE SET per sequence, BLOBS for
// the large objects, with IDs above the schema's, and judged by pg_restore's
// rules for those entries (pg_backup_archiver.c, _tocEntryRequired): the data
// section, -L, -n/-N on their schema, -t on their name (-I alone selects no
// data), -s masks them out, -a keeps them.
//
// hyperdump's additions, so that what is selected works (docs/user-guide.md,
// "Selective restore"):
//  - a TimescaleDB chunk is judged as its hypertable: its data is selected
//    when the hypertable's TABLE DATA entry is (or, with -L, its own line),
//    its table when the hypertable's TABLE item is, its indexes and
//    constraints when the hypertable has a selected item of the same kind.
//    Compressed chunks and the internal compressed hypertable go with the
//    hypertable they compress;
//  - the TimescaleDB catalog (extension configuration tables, and the
//    sequences they own) is restored whenever some hypertable data is. It is
//    restored whole, so a run that creates the tables (not --data-only) must
//    create every hypertable the catalog names: otherwise it is refused;
//  - data that goes into tables this run does not create (--data-only,
//    --section=data) is appended with a plain COPY, never TRUNCATE + FREEZE,
//    each table after those its foreign keys reference;
//  - the TimescaleDB restore window is opened only when something of
//    TimescaleDB is restored.
// A selective restore may go into a database that holds other objects (as
// pg_restore); its flags become part of the ledger's archive id, so --resume
// must repeat them.
#ifndef HYPERDUMP_ENGINE_RESTORE_RESTORE_SELECTION_H_
#define HYPERDUMP_ENGINE_RESTORE_RESTORE_SELECTION_H_

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/pg/toc_listing.h"
#include "engine/restore/restore_checks.h"
#include "engine/restore/schema_restore.h"

namespace hyperdump::engine {

// pg_restore's selection flags. Names are exact (no patterns), as in pg_restore.
struct RestoreSelection {
  std::vector<std::string> schemas;          // -n: only objects in these schemas
  std::vector<std::string> exclude_schemas;  // -N: not objects in these schemas
  std::vector<std::string> tables;           // -t: tables, views, sequences... so named
  std::vector<std::string> indexes;          // -I: indexes so named
  std::vector<std::string> sections;         // --section: pre-data, data, post-data
  bool data_only = false;                    // -a
  bool schema_only = false;                  // -s
  bool strict_names = false;                 // --strict-names: every -n/-t/-I must match
  std::string use_list;                      // -L: a listing file (hyperdump list --toc)

  // Whether anything is selected (--strict-names alone selects nothing).
  bool Active() const;
};

// A data entry of the archive, as `hyperdump list --toc` prints it.
struct DataTocEntry {
  enum class Kind { kTableData, kSequenceSet, kBlobs };
  int id = 0;
  Kind kind = Kind::kTableData;
  std::string schema, name;  // empty for BLOBS
  std::string oid = "0";     // the table's / sequence's, from its schema item
  std::string owner;         // likewise ("" when unknown)
  std::string Desc() const;  // "TABLE DATA", "SEQUENCE SET", "BLOBS"
  std::string Key() const { return schema + "." + name; }
  // "4213; 0 17282 TABLE DATA demo metrics postgres" (pg_restore -l's format).
  std::string Line() const;
};

// The archive's data entries, numbered from the schema listing's highest ID
// + 1: a TABLE DATA entry per table of the plan and per hypertable whose
// chunks are (pg_dump lists an empty hypertable's own TABLE DATA too), in
// plan order (a hypertable just before its first chunk), then a SEQUENCE SET
// per sequence, then BLOBS when the archive holds large objects.
std::vector<DataTocEntry> DataTocEntries(const RestoreInput& input,
                                         const std::vector<TocLine>& schema_toc);

// A -L file, read as pg_restore reads one: text after ';' is a comment,
// blank lines are skipped, each other line starts with an entry's ID. An ID
// that is not a number, not positive, above `max_id` or repeated is ignored
// with a warning ("line ignored: ..."); one within range that names no entry
// of `known` is an error.
struct UseList {
  std::set<int> ids;
  std::vector<int> order;  // the same IDs in the file's order
  std::vector<std::string> warnings;
};
Result<UseList> ParseUseList(const std::string& text, const std::set<int>& known, int max_id,
                             const std::string& file);

// pg_restore's verdict on a data entry (TABLE DATA, SEQUENCE SET, BLOBS);
// `listed` is set with -L.
bool DataEntryWanted(const RestoreSelection& sel, const std::optional<std::set<int>>& listed,
                     const DataTocEntry& entry);

// What a selection leaves RunRestore to do differently.
struct SelectionOutcome {
  bool selective = false;    // part of the archive only: the target need not be empty
  bool append_only = false;  // data goes into tables this run does not create
  // With append_only: (first, then) table keys, "schema.name": `then`'s data
  // loads after `first`'s (a foreign key of `then` references `first`).
  std::vector<std::pair<std::string, std::string>> load_order;
  std::vector<std::string> notes;  // warnings for the user
};

// The pure part: filters `input` (tables, their files, sequences, large
// objects) and `schema` (items) in place, given pg_restore's verdict on the
// schema items (`schema_ids`: the IDs `pg_restore -l` with the flags lists)
// and `listed` (with -L: the IDs of the list file). Clears
// input.timescaledb_version (no TimescaleDB window) when nothing of
// TimescaleDB is restored. kInvalidArgument for a selection that would leave
// the TimescaleDB catalog naming hypertables this run does not create.
Result<SelectionOutcome> ApplySelection(const RestoreSelection& sel,
                                        const std::set<int>& schema_ids,
                                        const std::optional<std::set<int>>& listed,
                                        const std::vector<DataTocEntry>& data, RestoreInput& input,
                                        SchemaScript& schema);

// RunRestore's one call: validates `sel` (with `clean`: --clean restores the
// whole archive only), runs pg_restore -l on `pgdump_path` (the archive's
// schema.pgdump) for the verdict, reads the -L file, applies the selection
// and adds it to input.archive_id (what --resume must match). Without
// selection flags it does nothing and returns {}.
Result<SelectionOutcome> SelectForRestore(const RestoreSelection& sel, bool clean,
                                          const std::string& pgdump_path,
                                          const std::string& pg_bindir, RestoreInput& input,
                                          SchemaScript& schema);

// `hyperdump list --toc DIR`: `pg_restore -l` of the archive's schema with
// the data entries inserted before the post-data items, as `pg_restore -l`
// of a directory archive shows them; a file made from it (lines deleted or
// commented out with ';') is what `restore -L` reads. `pg_bindir` empty:
// PgBinDir().
Result<std::string> ArchiveTocListing(const std::string& archive_dir, const std::string& pg_bindir);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_RESTORE_SELECTION_H_
