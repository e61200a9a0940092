//! NoSQL injection through the `mongodb` driver: its query, update and pipeline documents
//! checked before the call.
//!
//! [`CollectionExt`] adds checked twins to the `mongodb::Collection` methods that take a
//! filter, an update or a pipeline: `find`, `find_one`, `count_documents`, `update_one`,
//! `update_many`, `delete_one`, `delete_many` and `aggregate`. The twin checks each document
//! and returns the driver's own action, so options, sessions and `.await` work as before.
//! The others (`find_one_and_*`, `replace_one`, `distinct`, change streams, `Database`'s
//! `aggregate` and `run_command`) are not covered yet: pass their documents to [`check`].
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

use mongodb::Collection;
use mongodb::action::{Aggregate, CountDocuments, Delete, Find, FindOne, Update};
use mongodb::bson::Document;
use mongodb::options::UpdateModifications;

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
        UpdateModifications::Pipeline(stages) => stages.iter().for_each(check),
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
        let pipeline: Vec<Document> = pipeline.into_iter().collect();
        pipeline.iter().for_each(check);
        self.aggregate(pipeline)
    }
}
