//! Organizations and face users: query organization, get auth token, query and update
//! face user, terminate contract.

use hyper::StatusCode;
use serde_json::json;

use crate::answer::Answer;
use crate::api::{ApiRequest, fresh_secret, ok_json};
use crate::api_error::ApiError;
use crate::k12::{ContractState, Directory, TerminateOutcome, User};
use crate::schema::{Field, Kind, optional, optional_text_at, required, text_at};
use crate::shared::Shared;
use crate::signer::unix_now;
use crate::sync::lock;
use crate::time::beijing_rfc3339;

pub(crate) const TOKEN_BODY: &[Field] = &[
    required("scene", Kind::OneOf(&["WEBSESSION"])),
    required(
        "web_init_data",
        Kind::Object(&[
            required("out_user_id", Kind::Text),
            required("organization_id", Kind::Text),
        ]),
    ),
];

pub(crate) const UPDATE_USER_BODY: &[Field] = &[
    optional("user_name", Kind::Encrypted),
    optional("user_type", Kind::OneOf(&["STUDENT", "STUFF"])),
    optional(
        "student_info",
        Kind::Object(&[required("class_name", Kind::Text)]),
    ),
    optional(
        "staff_info",
        Kind::Object(&[required("occupation", Kind::Text)]),
    ),
    optional("status", Kind::OneOf(&["NORMAL", "DISABLED"])),
    optional("phone", Kind::Encrypted),
];

/// A user by organization and merchant user id, or the 404 that says which is unknown.
pub(crate) fn find_user(dir: &Directory, org: &str, out_user_id: &str) -> Result<User, ApiError> {
    if dir.organization_name(org).is_none() {
        return Err(unknown_organization(org));
    }
    dir.user_by_out(org, out_user_id)
        .map(|user| user.into_owned())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no user with out_user_id {out_user_id} in organization {org}"
            ))
        })
}

pub(crate) fn unknown_organization(org: &str) -> ApiError {
    ApiError::not_found(format!("organization {org} does not exist"))
}

/// `GET /v3/offlinefacemch/organizations?organization_id=…` or `?organization_name=…`
pub(crate) fn query_organization(
    shared: &Shared,
    request: &ApiRequest,
) -> Result<Answer, ApiError> {
    let query = request.query(&["organization_id", "organization_name"])?;
    let dir = lock(&shared.directory);
    let (id, name) = match (
        query.optional("organization_id")?,
        query.optional("organization_name")?,
    ) {
        (Some(id), None) => {
            let name = dir
                .organization_name(id)
                .ok_or_else(|| unknown_organization(id))?;
            (id, name)
        }
        (None, Some(name)) => {
            let id = dir
                .organization_named(name)
                .ok_or_else(|| ApiError::not_found(format!("no organization is named {name}")))?;
            (id, name)
        }
        _ => {
            return Err(ApiError::param(
                "organization_id",
                "give exactly one of the query parameters organization_id and organization_name",
            ));
        }
    };
    Ok(ok_json(
        &json!({ "organization_id": id, "organization_name": name }),
    ))
}

/// `POST /v3/offlinefacemch/tokens`
pub(crate) fn get_token(shared: &Shared, request: &ApiRequest) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let body = request.body(TOKEN_BODY)?;
    find_user(
        &lock(&shared.directory),
        text_at(body, "/web_init_data/organization_id"),
        text_at(body, "/web_init_data/out_user_id"),
    )?;
    Ok(ok_json(&json!({ "token": fresh_secret()? })))
}

/// `GET /v3/offlinefacemch/organizations/{org}/users/out-user-id/{out_user_id}`
pub(crate) fn query_user(
    shared: &Shared,
    request: &ApiRequest,
    org: &str,
    out_user_id: &str,
) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let user = find_user(&lock(&shared.directory), org, out_user_id)?;
    Ok(ok_json(&user.query_json()))
}

/// `PATCH /v3/offlinefacemch/organizations/{org}/users/out-user-id/{out_user_id}`
pub(crate) fn update_user(
    shared: &Shared,
    request: &ApiRequest,
    org: &str,
    out_user_id: &str,
) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let body = request.body(UPDATE_USER_BODY)?;
    if body.as_object().is_none_or(|fields| fields.is_empty()) {
        let names: Vec<&str> = UPDATE_USER_BODY.iter().map(|f| f.name).collect();
        return Err(ApiError::bad_request(format!(
            "give at least one field to change: {}",
            names.join(", ")
        )));
    }
    let plain = request.plain_fields()?;
    if plain.get("user_name").is_some_and(String::is_empty) {
        return Err(ApiError::param(
            "user_name",
            "user_name decrypts to an empty name",
        ));
    }
    let mut dir = lock(&shared.directory);
    let use_id = find_user(&dir, org, out_user_id)?.use_id;
    let Some(user) = dir.user_mut(&use_id) else {
        return Err(ApiError::not_found(format!("user {use_id} vanished")));
    };
    if let Some(name) = plain.get("user_name") {
        user.user_name = name.clone();
    }
    if let Some(phone) = plain.get("phone") {
        user.phone = Some(phone.clone());
    }
    if let Some(user_type) = optional_text_at(body, "/user_type") {
        user.user_type = user_type.to_owned();
    }
    if let Some(class_name) = optional_text_at(body, "/student_info/class_name") {
        user.class_name = Some(class_name.to_owned());
    }
    if let Some(occupation) = optional_text_at(body, "/staff_info/occupation") {
        user.occupation = Some(occupation.to_owned());
    }
    if let Some(status) = optional_text_at(body, "/status") {
        user.status = status.to_owned();
    }
    Ok(Answer::no_content())
}

/// `POST /v3/offlinefacemch/organizations/{org}/users/user-id/{use_id}/terminate-contract`:
/// answers exactly as it always has (errors without `detail`).
/// A contract that really ends (not one terminated again with `--idempotent-terminate`)
/// sends `FACEPAY.USER_STATE_CHANGE` to the notify URL, if there is one.
pub(crate) fn terminate(shared: &Shared, org: &str, user: &str) -> Answer {
    let now = beijing_rfc3339(unix_now());
    let (was, outcome) = {
        let mut dir = lock(&shared.directory);
        let was = dir.state(org, user);
        (
            was,
            dir.terminate(org, user, shared.idempotent_terminate, &now),
        )
    };
    let error = |status, code, message: String| Answer::error(status, code, &message, None);
    match outcome {
        TerminateOutcome::Terminated => {
            if was == Some(ContractState::Contracted) {
                shared.notify_terminated(org, user);
            }
            Answer::no_content()
        }
        TerminateOutcome::AlreadyTerminated => error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            format!("the contract of user {user} is already terminated"),
        ),
        TerminateOutcome::NotContracted => error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            format!("user {user} has no contract to terminate (contract_state NOT_CONTRACTED)"),
        ),
        TerminateOutcome::UnknownOrganization => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("organization {org} does not exist"),
        ),
        TerminateOutcome::UnknownUser => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("user {user} does not exist in organization {org}"),
        ),
    }
}
