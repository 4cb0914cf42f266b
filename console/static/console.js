// Small enhancements; every page works without them.
"use strict";

// RFC 8785 canonical JSON (the snapshot's amounts are strings, so JSON.stringify of sorted keys
// is its canonical form) and its sha256, to check the fingerprint in the browser too.
function jcs(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
  return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + jcs(value[k])).join(",") + "}";
}

async function verifyHere() {
  const out = document.getElementById("verify-result");
  const snapshot = JSON.parse(document.getElementById("snapshot").textContent);
  const { fingerprint, ...unsigned } = snapshot;
  const bytes = new TextEncoder().encode(jcs(unsigned));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  out.textContent = "sha256:" + hex === fingerprint ? "verified in this browser" : "MISMATCH: sha256:" + hex;
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("verify-here");
  const snapshot = document.getElementById("snapshot");
  if (button && snapshot && window.crypto && crypto.subtle) {
    const scheme = JSON.parse(snapshot.textContent).fingerprintScheme;
    if (scheme === "jcs-sha256") {
      button.hidden = false;
      button.addEventListener("click", verifyHere);
    }
  }
  for (const form of document.querySelectorAll("form.repair")) {
    form.addEventListener("submit", (event) => {
      const action = event.submitter && event.submitter.value;
      if (action === "fail" && !window.confirm("Fail this task? The order will fail.")) event.preventDefault();
    });
  }
});
