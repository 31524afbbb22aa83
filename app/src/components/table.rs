//! Pieces shared by the dashboard's tables.

use leptos::prelude::*;

/// A table's `<thead>`: one row with a `<th scope="col">` per title.
pub fn column_heads<T: Into<String>>(titles: impl IntoIterator<Item = T>) -> impl IntoView {
    let cells = titles
        .into_iter()
        .map(|title| {
            let title: String = title.into();
            view! { <th scope="col">{title}</th> }
        })
        .collect_view();
    view! {
        <thead>
            <tr>{cells}</tr>
        </thead>
    }
}
