//! Finding the scripts a command line names.

use std::io;
use std::path::{Path, PathBuf};

/// A path that could not be read, with the reason.
pub type WalkError = (PathBuf, io::Error);

/// The scripts `paths` name, in order: a file is taken as it is (whatever its extension); a
/// directory contributes every `.pkt` file below it, recursively, sorted by path. Symbolic
/// links to files are followed; links to directories are not, so a loop cannot form. A path
/// or directory that cannot be read yields an error in its place.
pub fn find_scripts(paths: &[PathBuf]) -> Vec<Result<PathBuf, WalkError>> {
    let mut found = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut found),
            Ok(_) => found.push(Ok(path.clone())),
            Err(error) => found.push(Err((path.clone(), error))),
        }
    }
    found
}

fn walk_dir(dir: &Path, found: &mut Vec<Result<PathBuf, WalkError>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            found.push(Err((dir.to_path_buf(), error)));
            return;
        }
    };
    let mut children: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(error) => found.push(Err((dir.to_path_buf(), error))),
        }
    }
    children.sort();
    for child in children {
        let is_real_dir = std::fs::symlink_metadata(&child).is_ok_and(|m| m.is_dir());
        if is_real_dir {
            walk_dir(&child, found);
        } else if child.extension().is_some_and(|e| e == "pkt") && child.is_file() {
            found.push(Ok(child));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let path =
                std::env::temp_dir().join(format!("tcp-packetdrill-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn directories_are_searched_recursively_in_order() {
        let tmp = TempDir::new("walk");
        let root = &tmp.0;
        fs::create_dir_all(root.join("b/deeper")).unwrap();
        for file in [
            "b/deeper/z.pkt",
            "b/a.pkt",
            "c.pkt",
            "notes.txt",
            "b/x.pkt.bak",
        ] {
            fs::write(root.join(file), "").unwrap();
        }
        let found: Vec<PathBuf> = find_scripts(std::slice::from_ref(root))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            found,
            [
                root.join("b/a.pkt"),
                root.join("b/deeper/z.pkt"),
                root.join("c.pkt")
            ]
        );
    }

    #[test]
    fn files_are_taken_as_given_and_missing_paths_are_errors() {
        let tmp = TempDir::new("files");
        let script = tmp.0.join("script.txt");
        fs::write(&script, "").unwrap();
        let missing = tmp.0.join("missing.pkt");
        let found = find_scripts(&[script.clone(), missing.clone()]);
        assert_eq!(found[0].as_ref().unwrap(), &script);
        assert_eq!(found[1].as_ref().unwrap_err().0, missing);
    }
}
