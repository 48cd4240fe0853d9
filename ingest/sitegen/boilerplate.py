"""Boilerplate phrases in the languages the demo sites use, as real sites print them.

Every string here is something a cleaner must remove. The English ones are exactly the ones the
project brief names (typo "on you device" included: it is what the real theme prints).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrases:
    """Boilerplate for one language."""

    advertisement: str  # ad marker between paragraphs
    newsletter_title: str
    newsletter_text: str
    push_prompt: str
    read_also: str
    related: str
    comments: str
    leave_reply: str
    cookie: str
    cookie_accept: str
    share: str
    about_author: str
    popular: str
    more_from: str


PHRASES: dict[str, Phrases] = {
    "en": Phrases(
        advertisement="- Advertisement -",
        newsletter_title="Subscribe to our newsletter",
        newsletter_text="Sign up here to get the latest news, updates and special offers "
        "delivered directly to your inbox.",
        push_prompt="Get real time updates directly on you device, subscribe now.",
        read_also="Read also:",
        related="Related posts",
        comments="Comments",
        leave_reply="Leave a Reply Cancel reply",
        cookie="We use cookies to ensure that we give you the best experience on our website. "
        "If you continue to use this site we will assume that you are happy with it.",
        cookie_accept="Accept all cookies",
        share="Share on Facebook",
        about_author="About the author",
        popular="Most popular",
        more_from="More from this section",
    ),
    "de": Phrases(
        advertisement="Anzeige",
        newsletter_title="Unser Newsletter",
        newsletter_text="Melden Sie sich jetzt an und erhalten Sie die wichtigsten Nachrichten "
        "des Tages direkt in Ihr Postfach.",
        push_prompt="Aktivieren Sie Push-Benachrichtigungen, um keine Eilmeldung zu verpassen.",
        read_also="Lesen Sie auch:",
        related="Das könnte Sie auch interessieren",
        comments="Kommentare",
        leave_reply="Schreiben Sie einen Kommentar",
        cookie="Wir verwenden Cookies und ähnliche Technologien, um Ihnen ein optimales "
        "Nutzungserlebnis zu ermöglichen.",
        cookie_accept="Alle akzeptieren",
        share="Auf Facebook teilen",
        about_author="Über den Autor",
        popular="Meistgelesen",
        more_from="Mehr aus dem Ressort",
    ),
    "es": Phrases(
        advertisement="- Publicidad -",
        newsletter_title="Suscríbete a nuestro boletín",
        newsletter_text="Regístrate para recibir las últimas noticias y ofertas especiales "
        "directamente en tu correo.",
        push_prompt="Recibe actualizaciones en tiempo real en tu dispositivo, suscríbete ahora.",
        read_also="Lee también:",
        related="Artículos relacionados",
        comments="Comentarios",
        leave_reply="Deja una respuesta Cancelar la respuesta",
        cookie="Utilizamos cookies para asegurar que damos la mejor experiencia al usuario "
        "en nuestro sitio web.",
        cookie_accept="Aceptar todas",
        share="Compartir en Facebook",
        about_author="Sobre el autor",
        popular="Lo más leído",
        more_from="Más de esta sección",
    ),
    "fr": Phrases(
        advertisement="- Publicité -",
        newsletter_title="Abonnez-vous à notre newsletter",
        newsletter_text="Inscrivez-vous pour recevoir les dernières actualités et nos offres "
        "spéciales directement dans votre boîte mail.",
        push_prompt="Recevez les alertes en temps réel sur votre appareil, abonnez-vous.",
        read_also="Lire aussi :",
        related="Articles similaires",
        comments="Commentaires",
        leave_reply="Laisser un commentaire Annuler la réponse",
        cookie="Nous utilisons des cookies pour vous garantir la meilleure expérience sur "
        "notre site web.",
        cookie_accept="Tout accepter",
        share="Partager sur Facebook",
        about_author="À propos de l'auteur",
        popular="Les plus lus",
        more_from="Plus dans cette rubrique",
    ),
    "ru": Phrases(
        advertisement="- Реклама -",
        newsletter_title="Подпишитесь на нашу рассылку",
        newsletter_text="Получайте главные новости дня и специальные предложения прямо на "
        "вашу почту.",
        push_prompt="Получайте новости в реальном времени на своё устройство, подпишитесь.",
        read_also="Читайте также:",
        related="Похожие материалы",
        comments="Комментарии",
        leave_reply="Добавить комментарий Отменить ответ",
        cookie="Мы используем файлы cookie, чтобы сделать сайт удобнее для вас.",
        cookie_accept="Принять все",
        share="Поделиться в Facebook",
        about_author="Об авторе",
        popular="Самое читаемое",
        more_from="Ещё в этом разделе",
    ),
    "ja": Phrases(
        advertisement="広告",
        newsletter_title="ニュースレターを購読する",
        newsletter_text="最新のニュースと特別なお知らせをメールでお届けします。",
        push_prompt="プッシュ通知を受け取って、最新ニュースをいち早くチェックしましょう。",
        read_also="あわせて読みたい：",
        related="関連記事",
        comments="コメント",
        leave_reply="コメントを残す",
        cookie="当サイトでは、より良いサービスを提供するためにクッキーを使用しています。",
        cookie_accept="同意する",
        share="Facebookでシェア",
        about_author="この記事を書いた人",
        popular="よく読まれている記事",
        more_from="このカテゴリーの記事",
    ),
}


def phrases(language: str) -> Phrases:
    """Phrases for ``language``, English when the site does not translate its chrome."""
    return PHRASES.get(language, PHRASES["en"])
