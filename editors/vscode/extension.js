// The yieldsafe extension: starts `yieldsafe lsp` for Rust files, beside
// rust-analyzer. Everything else (diagnostics, quick fixes, watched files) is the
// protocol, which vscode-languageclient speaks.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate() {
  const config = vscode.workspace.getConfiguration('yieldsafe');
  const serverOptions = { command: config.get('path', 'yieldsafe'), args: ['lsp'] };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'rust' }],
    initializationOptions: { debounceMs: config.get('debounceMs', 20) },
  };
  client = new LanguageClient('yieldsafe', 'yieldsafe', serverOptions, clientOptions);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
