//! The WeChat Pay K12 operations, one file per API family. Each checks its arguments before
//! anything is sent, describes its [`crate::call::Call`] (target, body with sensitive fields
//! encrypted, documented success) and returns the verified [`crate::Response`].

mod authinfo;
mod body;
mod contract;
mod deduction;
mod face_collection;
mod organization;
mod request;
mod user;
