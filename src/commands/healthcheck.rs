//! `potable healthcheck`: a minimal HTTP/1.1 probe of a running server, so the container image
//! needs no shell or curl for its HEALTHCHECK.

use crate::cli::HealthcheckArgs;
use anyhow::{bail, Context};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Sends `GET <path>` and succeeds when the status is 200.
pub fn run(args: &HealthcheckArgs) -> anyhow::Result<()> {
    let addr = SocketAddr::new(args.host, args.port);
    let timeout = Duration::from_secs(args.timeout_secs.max(1));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
        args.path
    )?;
    let mut head = [0u8; 64];
    let n = stream
        .read(&mut head)
        .with_context(|| format!("no answer from {addr}"))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status = status_line.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        bail!("GET {} on {addr} answered {:?}", args.path, status);
    }
    Ok(())
}
