// In-browser check of an audit entry (RFC 6962 inclusion proof against a C2SP signed checkpoint).
// Uses only WebCrypto: SHA-256 and Ed25519 signature verification. No data leaves the page.
(function () {
  "use strict";
  if (window.__auditVerifyLoaded) { return; }
  window.__auditVerifyLoaded = true;

  var enc = new TextEncoder();

  // A failure names which step failed; the page gives its Chinese text in data-msg-fail-<step>,
  // so no browser or library message in English ever reaches the reader.
  function fail(step) { var err = new Error(step); err.auditStep = step; return err; }
  function failureText(box, err) {
    var step = err && err.auditStep ? err.auditStep : (err instanceof TypeError ? "Network" : "Other");
    return box.dataset.msgFail + (box.dataset["msgFail" + step] || box.dataset.msgFailOther);
  }

  function hexToBytes(hex) {
    if (typeof hex !== "string" || !/^([0-9a-f]{2})*$/.test(hex)) { throw fail("Data"); }
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }
  function bytesToHex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function b64ToBytes(b64) {
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }
  function concat(parts) {
    var len = parts.reduce(function (n, p) { return n + p.length; }, 0), out = new Uint8Array(len), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  function leafHash(data) { return sha256(concat([new Uint8Array([0]), data])); }
  function nodeHash(l, r) { return sha256(concat([new Uint8Array([1]), l, r])); }

  // RFC 9162 §2.1.3.2: recompute the root from an inclusion proof.
  async function rootFromInclusion(index, size, leaf, proof) {
    if (index >= size) { throw fail("Proof"); }
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (p.length !== 32) { throw fail("Proof"); }
      if (sn === 0) { throw fail("Proof"); }
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) { throw fail("Proof"); }
    return r;
  }

  // C2SP signed note: body, blank line, "— name base64(keyID ‖ signature)" lines.
  async function openCheckpoint(note, name, publicKey) {
    var cut = note.lastIndexOf("\n\n");
    if (cut < 0) { throw fail("Checkpoint"); }
    var body = note.slice(0, cut + 1);
    var keyId = (await sha256(concat([enc.encode(name), new Uint8Array([10, 1]), publicKey]))).slice(0, 4);
    var key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    var lines = note.slice(cut + 2).split("\n").filter(function (l) { return l.length; });
    for (var i = 0; i < lines.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(lines[i]);
      if (!m || m[1] !== name) { continue; }
      var raw = b64ToBytes(m[2]);
      if (!equal(raw.slice(0, 4), keyId)) { continue; }
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, raw.slice(4), enc.encode(body))) {
        var parts = body.split("\n");
        return { origin: parts[0], size: parseInt(parts[1], 10), root: b64ToBytes(parts[2]) };
      }
      throw fail("Signature");
    }
    throw fail("Signature");
  }

  async function getJSON(url) {
    var res = await fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
    if (!res.ok) { throw fail("Http"); }
    return res.json();
  }

  async function check(box) {
    var index = parseInt(box.getAttribute("data-audit-index"), 10);
    var shown = hexToBytes(box.getAttribute("data-leaf-hash"));
    var cp = await getJSON("/api/v1/audit/checkpoint");
    var signed = await openCheckpoint(cp.checkpoint, cp.key_name, b64ToBytes(cp.public_key));
    if (index >= signed.size) { return { pending: true }; }
    var entries = await getJSON("/api/v1/audit/entries?start=" + index + "&limit=1");
    var entry = entries.entries[0];
    if (!entry || entry.index !== index) { throw fail("Entry"); }
    // a withheld entry (its text held personal data): its served leaf hash alone stands in the tree
    var withheld = entry.leaf === null && entry.redacted === true;
    var leaf = withheld ? hexToBytes(entry.leaf_hash) : await leafHash(b64ToBytes(entry.leaf));
    if (!equal(leaf, shown)) { throw fail("Leaf"); }
    var proof = await getJSON("/api/v1/audit/proof/inclusion?index=" + index + "&size=" + signed.size);
    var root = await rootFromInclusion(index, signed.size, leaf, proof.proof.map(hexToBytes));
    if (!equal(root, signed.root)) { throw fail("Root"); }
    return { ok: true, withheld: withheld, size: signed.size, root: bytesToHex(root) };
  }

  function show(box, cls, text) {
    var out = box.querySelector(".audit-result");
    out.className = "audit-result " + cls;
    out.textContent = text;
  }

  document.querySelectorAll(".audit-proof[data-leaf-hash]").forEach(function (box) {
    var button = box.querySelector(".audit-verify");
    button.addEventListener("click", async function () {
      if (!window.crypto || !crypto.subtle) { show(box, "audit-fail", box.dataset.msgNocrypto); return; }
      button.disabled = true;
      show(box, "audit-checking", box.dataset.msgChecking);
      try {
        var result = await check(box);
        if (result.pending) { show(box, "audit-pending", box.dataset.msgPending); }
        else { show(box, "audit-ok", result.withheld ? box.dataset.msgOkWithheld : box.dataset.msgOk); }
      } catch (err) {
        show(box, "audit-fail", failureText(box, err));
      } finally {
        button.disabled = false;
      }
    });
  });
})();
