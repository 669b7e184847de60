/**
 * The page at the security entrance until the full web interface lands: a plain form that logs in
 * through the API, asks for the 2FA code when needed, and shows who is logged in. No inline script
 * (the CSP forbids it): the behaviour is in login.js, served under the same secret path.
 */
export function loginPageHtml(lang: 'en' | 'ar', entrance: string): string {
  const t = text[lang];
  return `<!doctype html>
<html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${t.title}</title>
<link rel="stylesheet" href="/${entrance}/login.css">
<link rel="icon" href="data:,">
</head>
<body>
<main>
  <h1>${t.title}</h1>
  <form id="login" data-entrance="${entrance}" data-lang="${lang}">
    <label for="username">${t.username}</label>
    <input id="username" name="username" autocomplete="username" required>
    <label for="password">${t.password}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <div id="totp-row" hidden>
      <label for="totp">${t.totp}</label>
      <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code">
    </div>
    <p id="error" role="alert"></p>
    <button type="submit">${t.submit}</button>
  </form>
  <form id="change" hidden>
    <p>${t.mustChange}</p>
    <label for="current">${t.current}</label>
    <input id="current" name="current" type="password" autocomplete="current-password" required>
    <label for="next">${t.newPassword}</label>
    <input id="next" name="next" type="password" autocomplete="new-password" minlength="12" required>
    <p id="change-error" role="alert"></p>
    <button type="submit">${t.save}</button>
  </form>
  <section id="done" hidden>
    <p id="welcome"></p>
    <p>${t.next} <a href="/api/docs">${t.docs}</a></p>
    <button id="logout" type="button">${t.logout}</button>
  </section>
  <p><a href="?lang=${lang === 'ar' ? 'en' : 'ar'}">${lang === 'ar' ? 'English' : 'العربية'}</a></p>
</main>
<script src="/${entrance}/login.js"></script>
</body>
</html>
`;
}

const text = {
  en: {
    title: 'Diwan: log in',
    username: 'Username',
    password: 'Password',
    totp: 'Code from your authenticator app',
    submit: 'Log in',
    next: 'The full interface is on its way; meanwhile the API is yours:',
    docs: 'API documentation',
    logout: 'Log out',
    mustChange: 'This password was generated for you: choose your own (at least 12 characters).',
    current: 'Current password',
    newPassword: 'New password',
    save: 'Save password',
  },
  ar: {
    title: 'ديوان: تسجيل الدخول',
    username: 'اسم المستخدم',
    password: 'كلمة المرور',
    totp: 'الرمز من تطبيق المصادقة',
    submit: 'دخول',
    next: 'الواجهة الكاملة في الطريق؛ وإلى حينها الواجهة البرمجية بين يديك:',
    docs: 'توثيق الواجهة البرمجية',
    logout: 'تسجيل الخروج',
    mustChange: 'كلمة المرور هذه مولَّدة لك: اختر كلمة مرور خاصة بك (12 حرفًا على الأقل).',
    current: 'كلمة المرور الحالية',
    newPassword: 'كلمة المرور الجديدة',
    save: 'حفظ كلمة المرور',
  },
} as const;

export const loginCss = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1c1e21}
main{max-width:22rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:.75rem;box-shadow:0 2px 12px #0001}
h1{font-size:1.4rem;margin:0 0 1.5rem}label{display:block;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #bbb;border-radius:.4rem;font:inherit}
input:focus,button:focus,a:focus{outline:3px solid #3b82f6;outline-offset:2px}
button{margin-top:1.25rem;width:100%;padding:.6rem;border:0;border-radius:.4rem;background:#1d4ed8;color:#fff;font:inherit;cursor:pointer}
#error{color:#b91c1c;min-height:1.5rem;margin:.75rem 0 0}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}main{background:#1c1c1e}input{background:#2c2c2e;color:#eee;border-color:#444}}
`;

export const loginJs = `(() => {
  const form = document.getElementById('login');
  const entrance = form.dataset.entrance;
  const ar = form.dataset.lang === 'ar';
  const messages = {
    DIWAN_E_UNAUTHORIZED: ar ? 'اسم المستخدم أو كلمة المرور أو الرمز غير صحيح' : 'Wrong username, password or code',
    DIWAN_E_LOCKED_OUT: ar ? 'محاولات فاشلة كثيرة؛ حاول بعد قليل' : 'Too many failed attempts; try again later',
    DIWAN_E_TOTP_REQUIRED: ar ? 'أدخل الرمز من تطبيق المصادقة' : 'Enter the code from your authenticator app',
    currentPassword: ar ? 'كلمة المرور الحالية غير صحيحة' : 'The current password is wrong',
    newPassword: ar
      ? 'كلمة المرور الجديدة يجب أن تكون 12 حرفًا على الأقل ومختلفة عن الحالية'
      : 'The new password must have at least 12 characters and differ from the current one',
    other: ar ? 'تعذر تسجيل الدخول' : 'Could not log in',
  };
  const change = document.getElementById('change');
  const show = (me) => {
    form.hidden = true;
    if (me.user.mustChangePassword) {
      change.hidden = false;
      change.current.value = form.password.value;
      change.onsubmit = async (event) => {
        event.preventDefault();
        const response = await fetch('/api/v1/auth/password', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify({ currentPassword: change.current.value, newPassword: change.next.value }),
        });
        if (response.ok) { change.hidden = true; me.user.mustChangePassword = false; return show(me); }
        const error = (await response.json().catch(() => ({}))).error;
        // Errors by their stable code and field, in the page's language (the server speaks English).
        const text = error && (messages[error.field] || messages[error.code]);
        document.getElementById('change-error').textContent = text || messages.other;
      };
      return;
    }
    document.getElementById('done').hidden = false;
    document.getElementById('welcome').textContent = (ar ? 'مرحبًا، ' : 'Logged in as ') + me.user.username;
    document.getElementById('logout').onclick = async () => {
      await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'x-csrf-token': me.csrfToken } });
      location.reload();
    };
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { entrance, username: form.username.value, password: form.password.value };
    if (form.totp.value) body.totp = form.totp.value;
    const response = await fetch('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const error = document.getElementById('error');
    if (response.ok) return show(await response.json());
    const code = (await response.json().catch(() => ({}))).error?.code;
    if (code === 'DIWAN_E_TOTP_REQUIRED') { document.getElementById('totp-row').hidden = false; form.totp.focus(); }
    error.textContent = messages[code] || messages.other;
  });
  fetch('/api/v1/auth/me').then((r) => (r.ok ? r.json().then(show) : null));
})();
`;
