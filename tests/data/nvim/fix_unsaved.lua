-- Driven by tests/nvim.rs: headless Neovim (0.7 and later) as the client of
-- `yieldsafe lsp`. It opens a file of a crate, edits it without saving so that a
-- guard from a helper in another file is held across an await, reads the
-- diagnostics Neovim received, applies the preferred quick fix, waits for the
-- diagnostics to go, and writes what it saw as JSON to $YIELDSAFE_NVIM_OUT.
local out = { steps = {} }

local function step(name)
  table.insert(out.steps, name)
end

local function simple(diagnostics)
  local list = {}
  for _, d in ipairs(diagnostics) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(list, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      message = d.message, source = d.source, severity = d.severity,
      code = d.code or lsp.code,
    })
  end
  return list
end

local function run()
  local client_id = vim.lsp.start_client({
    name = 'yieldsafe',
    cmd = { vim.env.YIELDSAFE_SERVER, 'lsp' },
    root_dir = vim.env.YIELDSAFE_ROOT,
  })
  assert(client_id, 'the client starts')
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.YIELDSAFE_FILE))
  assert(vim.lsp.buf_attach_client(0, client_id), 'the buffer attaches')
  step('attached')
  -- Wait for the server to be up and the file checked (nothing to report yet).
  vim.wait(10000, function()
    local client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized
  end, 20)
  -- The unsaved edit: after line 8 (`pub async fn run(m: &Mutex<u32>) {`).
  vim.api.nvim_buf_set_lines(0, 7, 7, false, { '    let mut n = lock_count(m);', '    *n += 1;' })
  step('edited')
  local shown = vim.wait(15000, function() return #vim.diagnostic.get(0) > 0 end, 20)
  out.diagnostics = simple(vim.diagnostic.get(0))
  assert(shown, 'the diagnostic is shown')
  step('diagnosed')

  local d = vim.diagnostic.get(0)[1]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    range = {
      start = { line = d.lnum, character = d.col },
      ['end'] = { line = d.end_lnum, character = d.end_col },
    },
    context = { diagnostics = {} },
  }
  local responses = vim.lsp.buf_request_sync(0, 'textDocument/codeAction', params, 15000) or {}
  local fix
  out.actions = {}
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      table.insert(out.actions, action.title)
      if action.isPreferred then
        fix = action
      end
    end
  end
  assert(fix, 'a preferred quick fix is offered')
  vim.lsp.util.apply_workspace_edit(fix.edit, 'utf-16')
  out.fixed = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  step('fixed')
  out.cleared = vim.wait(15000, function() return #vim.diagnostic.get(0) == 0 end, 20)
  out.modified = vim.bo.modified
  step('done')
  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
end

local ok, err = pcall(run)
out.ok = ok
out.error = err and tostring(err) or nil
local file = io.open(vim.env.YIELDSAFE_NVIM_OUT, 'w')
file:write(vim.fn.json_encode(out))
file:close()
vim.cmd('qa!')
