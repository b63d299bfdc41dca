"""The Korean spawn form: the resource profiles a user may choose, nothing else."""

from __future__ import annotations

from html import escape

from hub.quota_policy import Profile


def profile_summary(profile: Profile) -> str:
    """'CPU 1개 · 메모리 2 GiB · GPU 1개', in Korean."""
    parts = [f"CPU {profile.cpu:g}개", f"메모리 {profile.mem / 2**30:g} GiB"]
    if profile.gpus:
        parts.append(f"GPU {profile.gpus}개")
    if profile.idle_timeout:
        parts.append(f"{profile.idle_timeout // 60}분 미사용 시 자동 종료")
    return " · ".join(parts)


def render_form(profiles: list[Profile]) -> str:
    """HTML of the profile choice (radio buttons; the first profile is selected)."""
    if not profiles:
        return (
            '<p class="alert alert-warning">사용할 수 있는 자원 프로필이 없습니다.'
            " 관리자에게 문의해 주세요.</p>"
        )
    items = []
    for i, profile in enumerate(profiles):
        checked = " checked" if i == 0 else ""
        slug = escape(profile.slug)
        items.append(
            f'<div class="form-check mb-2">'
            f'<input class="form-check-input" type="radio" name="profile" id="profile-{slug}"'
            f' value="{slug}"{checked}>'
            f'<label class="form-check-label" for="profile-{slug}">'
            f"<strong>{escape(profile.name)}</strong> — {escape(profile_summary(profile))}"
            f'<br><small class="text-muted">{escape(profile.description)}</small></label></div>'
        )
    return '<h2 class="h5">자원 프로필 선택</h2>' + "".join(items)
