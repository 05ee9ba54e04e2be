"""The mails the auth context sends, in Vietnamese then English. Pure: no I/O."""

from __future__ import annotations

import html

from domain.notifications.schemas import OutgoingMail


def _mail(to: str, subject: str, intro_vi: str, intro_en: str, link: str, hours: int) -> OutgoingMail:
    text = (f"{intro_vi}\n{link}\nLiên kết có hiệu lực trong {hours} giờ và chỉ dùng được một lần.\n\n"
            f"{intro_en}\n{link}\nThe link works for {hours} hours and only once.\n")
    safe = html.escape(link, quote=True)
    body = (f"<p>{html.escape(intro_vi)}</p><p><a href=\"{safe}\">{safe}</a></p>"
            f"<p>Liên kết có hiệu lực trong {hours} giờ và chỉ dùng được một lần.</p><hr>"
            f"<p>{html.escape(intro_en)}</p><p>The link works for {hours} hours and only once.</p>")
    return OutgoingMail(to=to, subject=subject, text=text, html=body)


def verification_mail(*, to: str, link: str, hours: int) -> OutgoingMail:
    return _mail(to, "Xác nhận email / Verify your email — Cinema",
                 "Chào bạn, hãy xác nhận địa chỉ email của bạn bằng liên kết sau:",
                 "Hello, please confirm your email address with this link:", link, hours)


def reset_password_mail(*, to: str, link: str, hours: int) -> OutgoingMail:
    return _mail(to, "Đặt lại mật khẩu / Reset your password — Cinema",
                 "Bạn (hoặc ai đó) đã yêu cầu đặt lại mật khẩu. Nếu không phải bạn, hãy bỏ qua email này.",
                 "You (or someone) asked to reset your password. If it was not you, ignore this mail.",
                 link, hours)



def account_exists_mail(*, to: str, sign_in: str, forgot: str) -> OutgoingMail:
    """Someone signed up with this email, which has an account: its owner is told, with no secret link."""
    lines_vi = ["Ai đó (có thể là bạn) vừa đăng ký bằng email này, nhưng bạn đã có tài khoản.",
                f"Đăng nhập tại: {sign_in}", f"Quên mật khẩu? Yêu cầu đặt lại tại: {forgot}",
                "Nếu không phải bạn, hãy bỏ qua email này: tài khoản của bạn không thay đổi."]
    lines_en = ["Someone (maybe you) just signed up with this email, but you already have an account.",
                f"Sign in at: {sign_in}", f"Forgot your password? Ask for a reset at: {forgot}",
                "If it was not you, ignore this mail: nothing changed on your account."]
    text = "\n".join(lines_vi) + "\n\n" + "\n".join(lines_en) + "\n"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines_vi) + "<hr>" + "".join(
        f"<p>{html.escape(line)}</p>" for line in lines_en)
    return OutgoingMail(to=to, subject="Bạn đã có tài khoản / You already have an account — Cinema", text=text,
                        html=body)
