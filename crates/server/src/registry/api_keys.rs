//! A merchant's API keys, for machines: made with a label and shown once,
//! listed without the key, revoked at once. Its admins do this in the
//! console; a key of its own may too.

use postsale_protocol::ApiKeyInfo;

use crate::{
    db::Db,
    failure::Failure,
    ids::{new_api_key, new_ordered_id, now, sha256_hex},
    store::api_keys::{self, ApiKey},
    validate,
};

fn info(key: &ApiKey) -> ApiKeyInfo {
    ApiKeyInfo {
        id: key.id.clone(),
        label: key.label.clone(),
        created_by: key.created_by.clone(),
        created_at: key.created_at,
        revoked_at: key.revoked_at,
        key: None,
    }
}

/// A new key for `merchant`; the key itself is in this answer only.
pub(crate) async fn create(
    db: &Db,
    merchant: &str,
    label: &str,
    created_by: String,
) -> Result<ApiKeyInfo, Failure> {
    validate::text("label", label, 80)?;
    let key = ApiKey {
        id: new_ordered_id("key"),
        label: label.trim().to_owned(),
        created_by,
        created_at: now(),
        revoked_at: None,
    };
    let secret = new_api_key();
    api_keys::insert(&db.writer, merchant, &key, &sha256_hex(&secret)).await?;
    Ok(ApiKeyInfo {
        key: Some(secret),
        ..info(&key)
    })
}

/// `merchant`'s keys, revoked ones too, newest first.
pub(crate) async fn list(db: &Db, merchant: &str) -> Result<Vec<ApiKeyInfo>, Failure> {
    Ok(api_keys::of(&db.pool, merchant)
        .await?
        .iter()
        .map(info)
        .collect())
}

/// Revokes a key: the next request with it is refused.
pub(crate) async fn revoke(db: &Db, merchant: &str, id: &str) -> Result<(), Failure> {
    if api_keys::revoke(&db.writer, merchant, id, now()).await? {
        Ok(())
    } else {
        Err(Failure::NotFound(format!("no open API key '{id}'")))
    }
}
