//! "Download all my data": asks every contributor for its files and packs them in a tar.gz.

use std::sync::Arc;

use flate2::write::GzEncoder;
use nichoir_core::export::ExportContributor;
use nichoir_core::Error;

pub async fn build_archive(
    contributors: &[Arc<dyn ExportContributor>],
    user_id: &str,
) -> Result<Vec<u8>, Error> {
    let mut files = Vec::new();
    for c in contributors {
        for f in c.export_user(user_id).await? {
            files.push((
                format!("nichoir-export/{}/{}", c.folder(), f.path),
                f.contents,
            ));
        }
    }
    let readme =
        "Everything this Nichoir instance keeps about you and what you wrote, as JSON and \
                  text files, one folder per tool.\n";
    files.push((
        "nichoir-export/README.txt".into(),
        readme.as_bytes().to_vec(),
    ));
    tokio::task::spawn_blocking(move || {
        let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), flate2::Compression::default()));
        for (path, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime((nichoir_core::time::now_ms() / 1000) as u64);
            header.set_cksum();
            tar.append_data(&mut header, &path, data.as_slice())
                .map_err(Error::internal)?;
        }
        tar.into_inner()
            .and_then(|gz| gz.finish())
            .map_err(Error::internal)
    })
    .await
    .map_err(Error::internal)?
}
