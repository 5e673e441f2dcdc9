// app.js - the sign-in page of the paperless meeting system: sign in,
// show the signed-in person's profile, change the password when the
// system requires it, sign out. Talks only to /api/v1 on the same origin.
'use strict';

(function () {
  const ROLE_NAMES = {
    system_admin: 'Quản trị hệ thống',
    unit_admin: 'Quản trị đơn vị',
    clerk: 'Văn thư',
    approver: 'Lãnh đạo phê duyệt',
    member: 'Thành viên',
  };
  const TIME_ZONE = 'Asia/Ho_Chi_Minh';
  const NETWORK_ERROR = 'Không kết nối được tới máy chủ, vui lòng thử lại.';

  const $ = (id) => document.getElementById(id);
  const views = ['loading', 'login-view', 'password-view', 'profile-view'];

  function show(id) {
    for (const v of views) $(v).hidden = v !== id;
    $('logout').hidden = id === 'login-view' || id === 'loading';
  }

  function showMessage(el, text) {
    el.textContent = text || '';
    el.hidden = !text;
  }

  function cookie(name) {
    for (const part of document.cookie.split(';')) {
      const [key, ...rest] = part.trim().split('=');
      if (key === name) return decodeURIComponent(rest.join('='));
    }
    return '';
  }

  // dd/mm/yyyy in Vietnam's time zone, whatever the browser's own zone.
  function formatDate(iso) {
    if (!iso) return '—';
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '—';
    const parts = {};
    const fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric',
    });
    for (const p of fmt.formatToParts(date)) parts[p.type] = p.value;
    return `${parts.day}/${parts.month}/${parts.year}`;
  }

  // One API call. Resolves to {status, data}; data is the parsed JSON body
  // or null. Writes carry the CSRF token from the cabinet_csrf cookie.
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') {
      const csrf = cookie('cabinet_csrf');
      if (csrf) headers['X-CSRF-Token'] = csrf;
    }
    const response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    return { status: response.status, data };
  }

  function errorText(result) {
    const error = result.data && result.data.error;
    if (error && error.message) return error.message;
    return `Có lỗi xảy ra (mã ${result.status}), vui lòng thử lại.`;
  }

  function errorCode(result) {
    const error = result.data && result.data.error;
    return error ? error.code : '';
  }

  // ---- views -----------------------------------------------------------

  function showLogin(message) {
    $('login-form').reset();
    showMessage($('login-error'), message);
    show('login-view');
    $('username').focus();
  }

  function showPasswordForm(required) {
    $('password-form').reset();
    showMessage($('password-error'), '');
    $('password-required').hidden = !required;
    $('password-cancel').hidden = required;
    show('password-view');
    $('old-password').focus();
  }

  async function showProfile(user, message) {
    $('greeting').textContent = `Xin chào, ${user.full_name || user.username}`;
    $('p-username').textContent = user.username || '—';
    $('p-title').textContent = user.title || '—';
    $('p-email').textContent = user.email || '—';
    $('p-phone').textContent = user.phone || '—';
    $('p-roles').textContent = (user.roles || []).map((r) => ROLE_NAMES[r] || r).join(', ') || '—';
    $('p-password-changed').textContent = formatDate(user.password_changed_at);
    $('p-totp').textContent = user.totp_enabled ? 'Đã bật' : 'Chưa bật';
    $('p-unit').textContent = '—';
    showMessage($('profile-message'), message);
    show('profile-view');
    if (user.unit_id) {
      try {
        const unit = await api('GET', `/api/v1/units/${encodeURIComponent(user.unit_id)}`);
        if (unit.status === 200 && unit.data) $('p-unit').textContent = unit.data.name || '—';
      } catch (e) { /* the name is a nicety; the profile stands without it */ }
    }
  }

  // Decide what to show from GET /api/v1/me.
  async function load(message) {
    let me;
    try {
      me = await api('GET', '/api/v1/me');
    } catch (e) {
      showLogin(NETWORK_ERROR);
      return;
    }
    if (me.status === 200 && me.data) {
      if (me.data.must_change_password) showPasswordForm(true);
      else await showProfile(me.data, message);
    } else if (me.status === 403 && errorCode(me) === 'password_change_required') {
      showPasswordForm(true);
    } else if (me.status === 401) {
      showLogin('');
    } else {
      showLogin(errorText(me));
    }
  }

  // ---- actions ---------------------------------------------------------

  async function onLogin(event) {
    event.preventDefault();
    const username = $('username').value.trim();
    const password = $('password').value;
    const totp = $('totp').value.trim();
    if (!username || !password) {
      showMessage($('login-error'), 'Vui lòng nhập tên đăng nhập và mật khẩu.');
      return;
    }
    const body = { username, password };
    if (totp) body.totp = totp;
    const button = event.submitter || $('login-form').querySelector('button');
    button.disabled = true;
    try {
      const result = await api('POST', '/api/v1/auth/login', body);
      if (result.status === 200 && result.data) {
        $('password').value = '';
        if (result.data.must_change_password) showPasswordForm(true);
        else await load('');
      } else {
        showMessage($('login-error'), errorText(result));
        if (errorCode(result) === 'totp_required') $('totp').focus();
      }
    } catch (e) {
      showMessage($('login-error'), NETWORK_ERROR);
    } finally {
      button.disabled = false;
    }
  }

  async function onChangePassword(event) {
    event.preventDefault();
    const oldPassword = $('old-password').value;
    const newPassword = $('new-password').value;
    if (!oldPassword || !newPassword) {
      showMessage($('password-error'), 'Vui lòng nhập đủ mật khẩu hiện tại và mật khẩu mới.');
      return;
    }
    if (newPassword !== $('confirm-password').value) {
      showMessage($('password-error'), 'Mật khẩu nhập lại không khớp.');
      return;
    }
    try {
      const result = await api('POST', '/api/v1/me/password',
        { old_password: oldPassword, new_password: newPassword });
      if (result.status === 204) {
        await load('Đã đổi mật khẩu thành công.');
      } else if (result.status === 401) {
        showLogin('Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.');
      } else {
        showMessage($('password-error'), errorText(result));
      }
    } catch (e) {
      showMessage($('password-error'), NETWORK_ERROR);
    }
  }

  async function onLogout() {
    try {
      await api('POST', '/api/v1/auth/logout');
    } catch (e) { /* signed out locally either way */ }
    showLogin('Bạn đã đăng xuất.');
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', onLogin);
    $('password-form').addEventListener('submit', onChangePassword);
    $('password-cancel').addEventListener('click', () => load(''));
    $('change-password').addEventListener('click', () => showPasswordForm(false));
    $('logout').addEventListener('click', onLogout);
    load('');
  });
}());
