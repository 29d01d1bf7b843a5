//! Idempotent installation of the toolchain: every function checks what is
//! there and installs only what is missing or of the wrong version.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Trunk release that builds with the project's Rust.
pub const TRUNK_VERSION: &str = "0.21.14";
/// Version of wasm-opt (npm `binaryen`) trunk is told to use (Trunk.toml).
pub const WASM_OPT_VERSION: &str = "132";

pub type Result<T> = std::result::Result<T, String>;

/// The workspace root (parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs a command to completion, inheriting output; error if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

/// The stdout of a command, or None if it cannot run or fails.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", path_env())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Directory of project-local npm build tools.
fn tools_dir() -> PathBuf {
    root().join("xtask/tools")
}

/// PATH with the project's tool directories first.
pub fn path_env() -> String {
    let mut dirs = vec![tools_dir().join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    let old = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&old));
    std::env::join_paths(dirs).map_or_else(
        |_| old.to_string_lossy().into_owned(),
        |p| p.to_string_lossy().into_owned(),
    )
}

fn step(what: &str) {
    eprintln!("xtask: {what}");
}

/// The version of `package` recorded in Cargo.lock.
pub fn lock_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').ok_or("Cargo.lock is malformed")?;
    Ok(lock[start..start + end].to_owned())
}

/// The wasm32 target of rustup.
pub fn wasm_target() -> Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("adding the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Trunk at [`TRUNK_VERSION`].
pub fn trunk() -> Result<()> {
    if output("trunk", &["--version"]).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        return Ok(());
    }
    step(&format!(
        "installing trunk {TRUNK_VERSION} (about 10 minutes on 2 cores)"
    ));
    run(Command::new("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))
}

/// wasm-bindgen-cli at the version of wasm-bindgen in Cargo.lock.
pub fn wasm_bindgen() -> Result<()> {
    let version = lock_version("wasm-bindgen")?;
    let ok = |bin: &str| output(bin, &["--version"]).is_some_and(|v| v.contains(&version));
    if ok("wasm-bindgen") && ok("wasm-bindgen-test-runner") {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {version} (about 3 minutes)"
    ));
    // Without --locked: a dependency pinned in its lockfile is not in the
    // reachable index, while a fresh resolution works.
    run(Command::new("cargo").args([
        "install",
        "--force",
        "wasm-bindgen-cli",
        "--version",
        &version,
    ]))
}

/// wasm-opt from the npm package `binaryen` (Debian's is too old to parse
/// wasm-bindgen's output), in `xtask/tools/node_modules/.bin`.
pub fn wasm_opt() -> Result<()> {
    if output("wasm-opt", &["--version"])
        .is_some_and(|v| v.contains(&format!("version {WASM_OPT_VERSION}")))
    {
        return Ok(());
    }
    step(&format!("installing wasm-opt {WASM_OPT_VERSION} from npm"));
    npm_ci(&tools_dir())
}

/// Whether every dependency in `dir`'s package.json is in node_modules.
pub fn npm_deps_present(dir: &Path) -> bool {
    let Ok(manifest) = std::fs::read_to_string(dir.join("package.json")) else {
        return false;
    };
    let Some(deps) = manifest
        .split("\"dependencies\"")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
    else {
        return true;
    };
    deps.split(',')
        .filter_map(|entry| entry.split('"').nth(1))
        .all(|name| {
            dir.join("node_modules")
                .join(name)
                .join("package.json")
                .exists()
        })
}

/// `npm ci` in `dir` (exact versions from its package-lock.json).
pub fn npm_ci(dir: &Path) -> Result<()> {
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))
}

/// Paths of the system Chromium and ChromeDriver.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// See [`CHROMIUM`].
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Debian's chromium and chromium-driver, installed when missing if we are
/// root or have password-less sudo; otherwise the command to run is printed.
pub fn chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    let is_root = output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    let sudo = !is_root
        && Command::new("sudo")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success());
    if !is_root && !sudo {
        return Err(
            "Chromium is missing. Install it with:\n  sudo apt-get update && sudo apt-get install -y chromium chromium-driver"
                .into(),
        );
    }
    step("installing chromium and chromium-driver from Debian");
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update"])?;
    apt(&["install", "-y", "chromium", "chromium-driver"])
}

/// Node packages of the end-to-end tests.
pub fn e2e_packages() -> Result<()> {
    let dir = root().join("tests/e2e");
    if dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Ok(());
    }
    step("installing playwright-core (no browser download: the system Chromium is used)");
    npm_ci(&dir)
}

/// Everything `run` needs.
pub fn for_build() -> Result<()> {
    wasm_target()?;
    wasm_opt()?;
    wasm_bindgen()?;
    trunk()
}

/// cargo-fuzz release `cargo xtask fuzz` drives.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// cargo-fuzz at [`CARGO_FUZZ_VERSION`].
pub fn cargo_fuzz() -> Result<()> {
    if output("cargo-fuzz", &["--version"]).is_some_and(|v| v.contains(CARGO_FUZZ_VERSION)) {
        return Ok(());
    }
    step(&format!(
        "installing cargo-fuzz {CARGO_FUZZ_VERSION} (about a minute)"
    ));
    run(Command::new("cargo").args([
        "install",
        "--locked",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
    ]))
}
