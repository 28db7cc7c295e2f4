'use strict';
// Demo tenant application: the stand-in for the vendor's real product in each tenant stack.
// It owns its schema (creates `users` at start), answers a health check the orchestrator
// waits on, and offers a login page so an end-to-end test can prove the initial user
// created by the orchestrator really works. Node 18+ (Debian bookworm), no framework.

const http = require('node:http');
const { Pool } = require('pg');
const bcrypt = require('bcryptjs');

const PORT = Number(process.env.PORT || 8080);
// A real app would sign its sessions with this; the demo only insists it is set so that a
// template or orchestrator that forgets to pass its generated secret fails loudly at start.
if (!process.env.APP_SECRET_KEY) {
  console.error('APP_SECRET_KEY is not set; refusing to start');
  process.exit(1);
}

// With no DATABASE_URL, pg reads PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE itself.
const pool = new Pool({
  connectionString: process.env.DATABASE_URL || undefined,
  max: 5,
  connectionTimeoutMillis: 3000,
  idleTimeoutMillis: 10000,
});
// An idle client losing its connection (e.g. postgres restarting) must not crash the app.
pool.on('error', (err) => console.error('idle database client error:', err.message));

const MIGRATION = `
  CREATE TABLE IF NOT EXISTS users (
    id serial PRIMARY KEY,
    username text UNIQUE NOT NULL,
    password_hash text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
  )`;

// Postgres may still be initialising when we start (depends_on only orders, and a restart of
// postgres alone is possible), so retry for a while, then exit and let the restart policy retry.
async function migrate({ attempts = 60, delayMs = 2000 } = {}) {
  for (let i = 1; ; i++) {
    try {
      await pool.query(MIGRATION);
      console.log('migration done: users table is present');
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      console.log(`database not ready (${err.code || err.message}); retry ${i}/${attempts}`);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main>${body}</main></body></html>`;
}

const LOGIN_FORM = `
<h1>Sign in / Connexion</h1>
<form method="post" action="/login">
  <p><label>Username / Identifiant <input name="username" autocomplete="username" required></label></p>
  <p><label>Password / Mot de passe <input name="password" type="password" autocomplete="current-password" required></label></p>
  <p><button type="submit">Sign in / Se connecter</button></p>
</form>`;

function send(res, status, contentType, body) {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}
const sendHtml = (res, status, body) => send(res, status, 'text/html; charset=utf-8', body);
const sendJson = (res, status, obj) => send(res, status, 'application/json', JSON.stringify(obj));

// Read a small form body; a login form never needs more than a few hundred bytes.
function readForm(req, limit = 8192) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

// Compared against when the user does not exist, so that an unknown username costs the same
// bcrypt work as a wrong password and response time does not reveal which usernames exist.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', 10);

async function login(req, res) {
  const form = await readForm(req);
  const username = (form.get('username') || '').trim();
  const password = form.get('password') || '';
  const { rows } = username
    ? await pool.query(
        'SELECT username, password_hash, must_change_password FROM users WHERE username = $1',
        [username])
    : { rows: [] };
  const user = rows[0];
  const ok = await bcrypt.compare(password, user ? user.password_hash : DUMMY_HASH);
  if (!user || !ok) {
    return sendHtml(res, 401, page('Sign-in failed', `
<h1>Sign-in failed / Échec de la connexion</h1>
<p>Wrong username or password. / Identifiant ou mot de passe incorrect.</p>${LOGIN_FORM}`));
  }
  const notice = user.must_change_password
    ? '<p>Please change your password. / Veuillez changer votre mot de passe.</p>'
    : '';
  return sendHtml(res, 200, page('Welcome', `
<h1>Welcome ${escapeHtml(user.username)} / Bienvenue ${escapeHtml(user.username)}</h1>${notice}`));
}

async function health(res) {
  try {
    await pool.query('SELECT 1');
    sendJson(res, 200, { status: 'ok' });
  } catch (err) {
    sendJson(res, 503, { status: 'unavailable', error: err.code || err.message });
  }
}

async function handle(req, res) {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/health') return health(res);
  if (req.method === 'GET' && (path === '/' || path === '/login')) {
    return sendHtml(res, 200, page('Sign in / Connexion', LOGIN_FORM));
  }
  if (req.method === 'POST' && path === '/login') return login(req, res);
  return sendHtml(res, 404, page('Not found', '<h1>Not found / Introuvable</h1>'));
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(`${req.method} ${req.url} failed:`, err.message);
    if (!res.headersSent) {
      sendHtml(res, err.status || 500, page('Error', '<h1>Error / Erreur</h1>'));
    }
  });
});

// As PID 1 in a container, node gets no default SIGTERM handler: without this, `docker stop`
// would wait its whole timeout and then SIGKILL us.
function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => pool.end().finally(() => process.exit(0)));
  server.closeAllConnections?.(); // keep-alive sockets would otherwise hold close() open
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

migrate()
  .then(() => server.listen(PORT, () => console.log(`demo app listening on port ${PORT}`)))
  .catch((err) => {
    console.error('could not migrate the database:', err.message);
    process.exit(1);
  });
