//! DynamoDB attribute values, written and read as the table's items hold them, and the
//! error a failed call becomes.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::StoreError;

/// A failed DynamoDB call, with its context (never an item's values).
pub fn unavailable<E: std::error::Error + 'static>(error: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(&error).to_string())
}

pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

pub fn read_n(item: &HashMap<String, AttributeValue>, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

pub fn read_s(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}
