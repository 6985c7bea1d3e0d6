//! The roots a client trusts by default: Mozilla's (feature
//! `webpki-roots`), the platform's (feature `rustls-native-certs`), or both.
//!
//! The platform's are read as OpenSSL reads them: from the locations
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` name when either is set, from the
//! system's store otherwise. A named location that cannot be read or holds
//! no certificate is an error naming it, never skipped: the program asked
//! for those roots and would otherwise fail later with an untrusted issuer.

use rustls::RootCertStore;

use super::ConfigError;

/// The roots of the features compiled in, read now.
pub(super) fn default_roots() -> Result<RootCertStore, ConfigError> {
    #[cfg(not(any(feature = "rustls-native-certs", feature = "webpki-roots")))]
    return Err(ConfigError::NoRootsSource);
    #[cfg(any(feature = "rustls-native-certs", feature = "webpki-roots"))]
    {
        #[cfg_attr(
            not(feature = "rustls-native-certs"),
            allow(unused_mut, reason = "only Mozilla's roots")
        )]
        let mut roots = RootCertStore::empty();
        #[cfg(feature = "webpki-roots")]
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "rustls-native-certs")]
        platform::add_roots(&mut roots, &platform::Named::from_env())?;
        Ok(roots)
    }
}

#[cfg(feature = "rustls-native-certs")]
mod platform {
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;
    use std::path::{Path, PathBuf};

    use rustls::RootCertStore;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    use super::ConfigError;

    const FILE_VARIABLE: &str = "SSL_CERT_FILE";
    const DIR_VARIABLE: &str = "SSL_CERT_DIR";

    /// The locations the environment names, as OpenSSL reads them.
    #[derive(Debug, Default)]
    pub(super) struct Named {
        /// `SSL_CERT_FILE`: one PEM file of certificates.
        pub(super) file: Option<PathBuf>,
        /// `SSL_CERT_DIR`: directories of PEM files, `:`-separated on Unix.
        pub(super) dirs: Vec<PathBuf>,
    }

    impl Named {
        pub(super) fn from_env() -> Self {
            Named {
                file: std::env::var_os(FILE_VARIABLE).map(PathBuf::from),
                dirs: std::env::var_os(DIR_VARIABLE)
                    .map(|dirs| {
                        std::env::split_paths(&dirs)
                            .filter(|dir| !dir.as_os_str().is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }
    }

    /// Adds the roots of the locations `named`, each of which must give
    /// one, or, when it names none, of the system's store. An empty store
    /// is an error only if `roots` is still empty (no Mozilla roots).
    pub(super) fn add_roots(roots: &mut RootCertStore, named: &Named) -> Result<(), ConfigError> {
        if named.file.is_none() && named.dirs.is_empty() {
            let loaded = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(loaded.certs);
            if roots.is_empty() {
                let problem = loaded.errors.first().map(ToString::to_string);
                return Err(ConfigError::NoPlatformRoots(problem));
            }
            return Ok(());
        }
        if let Some(file) = &named.file {
            let certs =
                file_certs(file).map_err(|problem| located(FILE_VARIABLE, file, problem))?;
            add_some(roots, certs).map_err(|problem| located(FILE_VARIABLE, file, problem))?;
        }
        // One directory may be empty (OpenSSL allows it), not all of them.
        let mut from_dirs = Vec::new();
        for dir in &named.dirs {
            from_dirs
                .extend(dir_certs(dir).map_err(|problem| located(DIR_VARIABLE, dir, problem))?);
        }
        if let Some(first) = named.dirs.first() {
            let all =
                std::env::join_paths(&named.dirs).map_or_else(|_| first.clone(), PathBuf::from);
            add_some(roots, from_dirs).map_err(|problem| located(DIR_VARIABLE, &all, problem))?;
        }
        Ok(())
    }

    /// The certificates of a PEM file; sections that are not certificates
    /// (a key, text) are skipped, as OpenSSL skips them.
    fn file_certs(file: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
        if file.as_os_str().is_empty() {
            return Err("is empty (no file)".to_string());
        }
        let certs = CertificateDer::pem_file_iter(file).map_err(cannot_read)?;
        Ok(certs.filter_map(Result::ok).collect())
    }

    /// The certificates of a directory's files, each file read once.
    fn dir_certs(dir: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
        std::fs::read_dir(dir).map_err(cannot_read)?;
        Ok(rustls_native_certs::load_certs_from_paths(None, Some(dir)).certs)
    }

    /// Adds `certs`, failing if none of them is a usable root.
    fn add_some(
        roots: &mut RootCertStore,
        certs: Vec<CertificateDer<'static>>,
    ) -> Result<(), String> {
        let (added, ignored) = roots.add_parsable_certificates(certs);
        match (added, ignored) {
            (0, 0) => Err("holds no PEM certificate".to_string()),
            (0, _) => Err(std::format!(
                "holds {ignored} certificate(s), none usable as a root"
            )),
            _ => Ok(()),
        }
    }

    fn cannot_read(e: impl core::fmt::Display) -> String {
        std::format!("cannot be read ({e})")
    }

    fn located(variable: &'static str, path: &Path, problem: String) -> ConfigError {
        ConfigError::RootsLocation {
            variable,
            path: path.to_path_buf(),
            problem,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::string::ToString;

        /// A directory of its own under the system's temporary one.
        fn scratch(name: &str) -> PathBuf {
            let dir = std::env::temp_dir()
                .join(std::format!("rfc6455-roots-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            dir
        }

        /// A self-signed CA certificate, PEM.
        fn ca_pem() -> String {
            let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            let key = rcgen::KeyPair::generate().unwrap();
            params.self_signed(&key).unwrap().pem()
        }

        fn file_only(file: PathBuf) -> Named {
            Named {
                file: Some(file),
                dirs: Vec::new(),
            }
        }

        #[test]
        fn a_missing_ssl_cert_file_is_an_error_that_names_it() {
            let missing = scratch("missing").join("no-such-ca.pem");
            let mut roots = RootCertStore::empty();
            let error = add_roots(&mut roots, &file_only(missing.clone())).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(&std::format!(
                    "SSL_CERT_FILE names {}, which cannot be read (",
                    missing.display()
                )),
                "{message}"
            );
            assert!(message.ends_with("or unset it to use the platform's roots"));
            assert!(roots.is_empty());
        }

        #[test]
        fn a_file_without_a_certificate_is_an_error_that_names_it() {
            let dir = scratch("empty-file");
            for (name, content) in [("empty.pem", ""), ("key.pem", "not a certificate\n")] {
                let file = dir.join(name);
                std::fs::write(&file, content).unwrap();
                let mut roots = RootCertStore::empty();
                let error = add_roots(&mut roots, &file_only(file.clone())).unwrap_err();
                assert_eq!(
                    error.to_string(),
                    std::format!(
                        "SSL_CERT_FILE names {}, which holds no PEM certificate: point it at \
                         PEM CA certificates, or unset it to use the platform's roots",
                        file.display()
                    )
                );
            }
            let error = add_roots(&mut RootCertStore::empty(), &file_only(PathBuf::new()));
            assert!(
                error
                    .unwrap_err()
                    .to_string()
                    .contains("which is empty (no file)")
            );
        }

        #[test]
        fn a_named_file_and_directory_give_their_certificates() {
            let dir = scratch("good");
            let file = dir.join("ca.pem");
            std::fs::write(&file, std::format!("a comment\n{}", ca_pem())).unwrap();
            let mut roots = RootCertStore::empty();
            add_roots(&mut roots, &file_only(file)).unwrap();
            assert_eq!(roots.len(), 1);

            let certs = scratch("good-dir");
            std::fs::write(certs.join("one.pem"), ca_pem()).unwrap();
            std::fs::write(certs.join("two.pem"), ca_pem()).unwrap();
            let named = Named {
                file: None,
                dirs: std::vec![certs],
            };
            add_roots(&mut roots, &named).unwrap();
            assert_eq!(roots.len(), 3);
        }

        #[test]
        fn a_missing_ssl_cert_dir_or_only_empty_ones_is_an_error_that_names_them() {
            let good = scratch("dir-good");
            std::fs::write(good.join("ca.pem"), ca_pem()).unwrap();
            let empty = scratch("dir-empty");
            let missing = empty.join("gone");
            let dirs = |dirs: &[&PathBuf]| Named {
                file: None,
                dirs: dirs.iter().map(|dir| dir.to_path_buf()).collect(),
            };
            let message = add_roots(&mut RootCertStore::empty(), &dirs(&[&good, &missing]))
                .unwrap_err()
                .to_string();
            let expected = std::format!(
                "SSL_CERT_DIR names {}, which cannot be read (",
                missing.display()
            );
            assert!(message.starts_with(&expected), "{message}");

            let message = add_roots(&mut RootCertStore::empty(), &dirs(&[&empty]))
                .unwrap_err()
                .to_string();
            let expected = std::format!(
                "SSL_CERT_DIR names {}, which holds no PEM certificate",
                empty.display()
            );
            assert!(message.starts_with(&expected), "{message}");

            let mut roots = RootCertStore::empty();
            add_roots(&mut roots, &dirs(&[&empty, &good])).unwrap();
            assert_eq!(roots.len(), 1);
        }
    }
}
