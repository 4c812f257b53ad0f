//! The WeChat Pay operations, one file per API family.

mod contract;
