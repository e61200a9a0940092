//! NoSQL injection through the `mongodb` driver: its query, update and pipeline documents
//! checked before the call.
//!
//! [`CollectionExt`] adds checked twins to the `mongodb::Collection` methods that take a
//! filter, an update or a pipeline: `find`, `find_one`, `count_documents`, `distinct`,
//! `update_one`, `update_many`, `replace_one`, `delete_one`, `delete_many`,
//! `find_one_and_delete`, `find_one_and_update`, `find_one_and_replace`, `aggregate`, and a
//! change stream's pipeline (`watch_checked`); [`DatabaseExt`] the same for a
//! `mongodb::Database`'s `aggregate`, `watch`, `run_command` and `run_cursor_command`. The
//! twin checks each document and returns the driver's own action, so options, sessions and
//! `.await` work as before. A replacement document is the application's own type, written
//! by the driver as data, and is not checked. Documents that reach MongoDB by another route
//! (a bulk write's models, a `sync` client) can be passed to [`check`].
//!
//! ```no_run
//! use iast_sinks::mongodb::CollectionExt as _;
//! use mongodb::bson::{Document, doc};
//!
//! # async fn search(users: &mongodb::Collection<Document>, name: serde_json::Value) -> mongodb::error::Result<()> {
//! // Reported when `name` is an object the client sent (`{"$ne": null}`), not a string.
//! let filter = doc! { "name": mongodb::bson::to_bson(&name)? };
//! let _cursor = users.find_checked(filter).await?;
//! # Ok(())
//! # }
//! ```
//!
//! A document is checked as the JSON it serializes to, as a `serialized` sink: a tainted
//! string value is data, as a bound parameter is, and no finding; a tainted key or operator
//! (`$ne`, `$where`), an object where a value was expected, a `$where` or `$function` body,
//! a `$regex` pattern or a `$`-prefixed string in an aggregation expression changes the query
//! and is reported. The web layers record each small object and array of a JSON body whole,
//! so that an operator object the client sent is found in the filter.
//!
//! Documents are serialized only inside a context; outside one the twins cost one
//! thread-local read.

use mongodb::action::{
    Aggregate, CountDocuments, Delete, Distinct, Find, FindOne, FindOneAndDelete,
    FindOneAndReplace, FindOneAndUpdate, ReplaceOne, RunCommand, RunCursorCommand, Update, Watch,
};
use mongodb::bson::Document;
use mongodb::options::UpdateModifications;
use mongodb::{Collection, Database};
use std::borrow::Borrow;

/// The NoSQL sink behind every checked method: `document` is a query, update or pipeline
/// stage as JSON. Call [`check`] to check a document that reaches MongoDB by another route.
#[iast::sink(nosql, serialized)]
pub fn check_document(document: &str) {
    crate::warn_if_disabled();
}

/// Checks `document` (a filter, an update or a pipeline stage) as the JSON it serializes to.
#[track_caller]
pub fn check(document: &Document) {
    if !iast::in_context() {
        crate::warn_if_disabled();
        return;
    }
    // A document whose values serde_json cannot write (none that bson makes) is not checked.
    if let Ok(json) = serde_json::to_string(document) {
        check_document(&json);
    }
}

/// Checks an update's query and its document or pipeline, and hands the update on.
#[track_caller]
fn checked_update(query: &Document, update: impl Into<UpdateModifications>) -> UpdateModifications {
    let update = update.into();
    check(query);
    match &update {
        UpdateModifications::Document(d) => check(d),
        // A loop, not `for_each(check)`: a closure would hide the application's line.
        UpdateModifications::Pipeline(stages) => {
            for stage in stages {
                check(stage);
            }
        }
        // Later kinds of update are passed on unchecked.
        _ => {}
    }
    update
}

/// Checked twins of the `mongodb::Collection` methods that take a filter, an update or a
/// pipeline.
pub trait CollectionExt<T: Send + Sync> {
    /// [`Collection::find`], after checking `filter`.
    fn find_checked(&self, filter: Document) -> Find<'_, T>;

    /// [`Collection::find_one`], after checking `filter`.
    fn find_one_checked(&self, filter: Document) -> FindOne<'_, T>;

    /// [`Collection::count_documents`], after checking `filter`.
    fn count_documents_checked(&self, filter: Document) -> CountDocuments<'_>;

    /// [`Collection::update_one`], after checking `query` and `update`.
    fn update_one_checked(
        &self,
        query: Document,
        update: impl Into<UpdateModifications>,
    ) -> Update<'_>;

    /// [`Collection::update_many`], after checking `query` and `update`.
    fn update_many_checked(
        &self,
        query: Document,
        update: impl Into<UpdateModifications>,
    ) -> Update<'_>;

    /// [`Collection::delete_one`], after checking `query`.
    fn delete_one_checked(&self, query: Document) -> Delete<'_>;

    /// [`Collection::delete_many`], after checking `query`.
    fn delete_many_checked(&self, query: Document) -> Delete<'_>;

    /// [`Collection::aggregate`], after checking each stage of `pipeline`.
    fn aggregate_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Aggregate<'_>;

    /// [`Collection::distinct`], after checking `filter`.
    fn distinct_checked(&self, field_name: impl AsRef<str>, filter: Document) -> Distinct<'_>;

    /// [`Collection::replace_one`], after checking `query` (the replacement is data).
    fn replace_one_checked(&self, query: Document, replacement: impl Borrow<T>) -> ReplaceOne<'_>
    where
        T: serde::Serialize;

    /// [`Collection::find_one_and_delete`], after checking `filter`.
    fn find_one_and_delete_checked(&self, filter: Document) -> FindOneAndDelete<'_, T>;

    /// [`Collection::find_one_and_update`], after checking `filter` and `update`.
    fn find_one_and_update_checked(
        &self,
        filter: Document,
        update: impl Into<UpdateModifications>,
    ) -> FindOneAndUpdate<'_, T>;

    /// [`Collection::find_one_and_replace`], after checking `filter` (the replacement is
    /// data).
    fn find_one_and_replace_checked(
        &self,
        filter: Document,
        replacement: impl Borrow<T>,
    ) -> FindOneAndReplace<'_, T>
    where
        T: serde::Serialize;

    /// [`Collection::watch`] with `pipeline` as the change stream's pipeline, after checking
    /// each stage.
    fn watch_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Watch<'_, T>;
}

/// Checked twins of the `mongodb::Database` methods that take a pipeline or a command.
pub trait DatabaseExt {
    /// [`Database::aggregate`], after checking each stage of `pipeline`.
    fn aggregate_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Aggregate<'_>;

    /// [`Database::watch`] with `pipeline` as the change stream's pipeline, after checking
    /// each stage.
    fn watch_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Watch<'_>;

    /// [`Database::run_command`], after checking `command` (its filters, updates and
    /// pipelines are in it).
    fn run_command_checked(&self, command: Document) -> RunCommand<'_>;

    /// [`Database::run_cursor_command`], after checking `command`.
    fn run_cursor_command_checked(&self, command: Document) -> RunCursorCommand<'_>;
}

/// `pipeline`'s stages, each checked.
#[track_caller]
fn checked_pipeline(pipeline: impl IntoIterator<Item = Document>) -> Vec<Document> {
    let pipeline: Vec<Document> = pipeline.into_iter().collect();
    for stage in &pipeline {
        check(stage);
    }
    pipeline
}

impl<T> CollectionExt<T> for Collection<T>
where
    T: serde::de::DeserializeOwned + Send + Sync,
{
    #[track_caller]
    fn find_checked(&self, filter: Document) -> Find<'_, T> {
        check(&filter);
        self.find(filter)
    }

    #[track_caller]
    fn find_one_checked(&self, filter: Document) -> FindOne<'_, T> {
        check(&filter);
        self.find_one(filter)
    }

    #[track_caller]
    fn count_documents_checked(&self, filter: Document) -> CountDocuments<'_> {
        check(&filter);
        self.count_documents(filter)
    }

    #[track_caller]
    fn update_one_checked(
        &self,
        query: Document,
        update: impl Into<UpdateModifications>,
    ) -> Update<'_> {
        let update = checked_update(&query, update);
        self.update_one(query, update)
    }

    #[track_caller]
    fn update_many_checked(
        &self,
        query: Document,
        update: impl Into<UpdateModifications>,
    ) -> Update<'_> {
        let update = checked_update(&query, update);
        self.update_many(query, update)
    }

    #[track_caller]
    fn delete_one_checked(&self, query: Document) -> Delete<'_> {
        check(&query);
        self.delete_one(query)
    }

    #[track_caller]
    fn delete_many_checked(&self, query: Document) -> Delete<'_> {
        check(&query);
        self.delete_many(query)
    }

    #[track_caller]
    fn aggregate_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Aggregate<'_> {
        self.aggregate(checked_pipeline(pipeline))
    }

    #[track_caller]
    fn distinct_checked(&self, field_name: impl AsRef<str>, filter: Document) -> Distinct<'_> {
        check(&filter);
        self.distinct(field_name, filter)
    }

    #[track_caller]
    fn replace_one_checked(&self, query: Document, replacement: impl Borrow<T>) -> ReplaceOne<'_>
    where
        T: serde::Serialize,
    {
        check(&query);
        self.replace_one(query, replacement)
    }

    #[track_caller]
    fn find_one_and_delete_checked(&self, filter: Document) -> FindOneAndDelete<'_, T> {
        check(&filter);
        self.find_one_and_delete(filter)
    }

    #[track_caller]
    fn find_one_and_update_checked(
        &self,
        filter: Document,
        update: impl Into<UpdateModifications>,
    ) -> FindOneAndUpdate<'_, T> {
        let update = checked_update(&filter, update);
        self.find_one_and_update(filter, update)
    }

    #[track_caller]
    fn find_one_and_replace_checked(
        &self,
        filter: Document,
        replacement: impl Borrow<T>,
    ) -> FindOneAndReplace<'_, T>
    where
        T: serde::Serialize,
    {
        check(&filter);
        self.find_one_and_replace(filter, replacement)
    }

    #[track_caller]
    fn watch_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Watch<'_, T> {
        self.watch().pipeline(checked_pipeline(pipeline))
    }
}

impl DatabaseExt for Database {
    #[track_caller]
    fn aggregate_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Aggregate<'_> {
        self.aggregate(checked_pipeline(pipeline))
    }

    #[track_caller]
    fn watch_checked(&self, pipeline: impl IntoIterator<Item = Document>) -> Watch<'_> {
        self.watch().pipeline(checked_pipeline(pipeline))
    }

    #[track_caller]
    fn run_command_checked(&self, command: Document) -> RunCommand<'_> {
        check(&command);
        self.run_command(command)
    }

    #[track_caller]
    fn run_cursor_command_checked(&self, command: Document) -> RunCursorCommand<'_> {
        check(&command);
        self.run_cursor_command(command)
    }
}
