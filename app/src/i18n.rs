//! The widget's words in the languages it speaks: English, French, German, Spanish and Japanese.
//! The dashboard stays English.
//!
//! The server chooses the language (the widget token's `locale` claim, else the browser's
//! `Accept-Language`) and sends the chosen words with the widget's data as one list in [`W`]'s
//! order. The browser's bundle so holds no table at all: five languages cost it nothing, which
//! keeps the widget within its size budget.

use serde::{Deserialize, Serialize};

/// One piece of the widget's text. `{}` in a word marks where a name or number goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum W {
    Heading,
    Empty,
    Connect,
    Reauthorize,
    Disconnect,
    AddAnother,
    Rename,
    Save,
    ConnectNamed,
    ReauthorizeNamed,
    DisconnectNamed,
    AddAnotherNamed,
    RenameNamed,
    NameFor,
    SaveNamed,
    WithApiKey,
    ApiKey,
    WithPassword,
    WithClientCredentials,
    ClientId,
    ClientSecret,
    NotConnected,
    SharedByOrganization,
    Connected,
    NeedsReauthorization,
    AdminsManage,
    AccountNumber,
    ConnectedOn,
    DefaultsTo,
    NotInForm,
    /// Words only the server uses (page title, Basic credentials' default labels) come last.
    Title,
    UserName,
    Password,
}

/// How many words there are: every language's table has exactly this many.
#[cfg(any(feature = "ssr", test))]
const COUNT: usize = W::Password as usize + 1;

/// The chosen language's words, in [`W`]'s order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words(pub Vec<String>);

impl Words {
    pub fn get(&self, w: W) -> &str {
        self.0.get(w as usize).map_or("", String::as_str)
    }

    /// The word with `value` in its place.
    pub fn fill(&self, w: W, value: &str) -> String {
        self.get(w).replacen("{}", value, 1)
    }
}

/// A language the widget speaks (the tables stay on the server).
#[cfg(any(feature = "ssr", test))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    Fr,
    De,
    Es,
    Ja,
}

#[cfg(any(feature = "ssr", test))]
impl Locale {
    pub const ALL: [Locale; 5] = [Locale::En, Locale::Fr, Locale::De, Locale::Es, Locale::Ja];

    /// The language's tag (`<html lang>` and the `locale` claim).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::De => "de",
            Locale::Es => "es",
            Locale::Ja => "ja",
        }
    }

    /// The language a BCP 47 tag names (`fr`, `fr-CA`, `ja_JP`), when the widget speaks it.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Locale::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The widget's language: the token's claim when it names one the widget speaks, else the
    /// best of the browser's `Accept-Language` by quality (ties in the order given), else English.
    pub fn negotiate(claim: Option<&str>, accept_language: Option<&str>) -> Locale {
        if let Some(locale) = claim.and_then(Locale::parse) {
            return locale;
        }
        let mut best: Option<(Locale, u16)> = None;
        // A header is short; a long one is read no further than its first ranges.
        for range in accept_language.unwrap_or("").split(',').take(32) {
            let mut parts = range.split(';');
            let Some(locale) = parts.next().and_then(Locale::parse) else { continue };
            let quality =
                parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1000), parse_quality).unwrap_or(0);
            if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((locale, quality));
            }
        }
        best.map_or(Locale::En, |(l, _)| l)
    }

    /// The widget's words in this language.
    pub fn words(self) -> Words {
        Words(self.table().iter().map(|w| (*w).to_string()).collect())
    }

    pub fn word(self, w: W) -> &'static str {
        self.table()[w as usize]
    }

    fn table(self) -> &'static [&'static str; COUNT] {
        match self {
            Locale::En => &EN,
            Locale::Fr => &FR,
            Locale::De => &DE,
            Locale::Es => &ES,
            Locale::Ja => &JA,
        }
    }

    /// Why connecting failed, for the error `code` the OAuth callback sent back, in this
    /// language. Fixed text, never the query's own `error_description`: anyone can link to a
    /// Plumb page with any query, and free text shown on Plumb's origin is phishing ("Session
    /// expired. Re-enter your password at …"). The code itself is shown only when it looks like
    /// one.
    pub fn connect_failure(self, code: &str) -> String {
        let reason = match code {
            "access_denied" => 0,
            "invalid_scope" => 1,
            "provider_unavailable" | "server_error" | "temporarily_unavailable" => 2,
            "invalid_state" => 3,
            "issuer_mismatch" => 4,
            "credential_rejected" => 5,
            "pattern_mismatch" | "invalid" | "unknown_field" | "not_accepted" => 6,
            "required" => 7,
            "address_not_allowed" => 8,
            "not_supported" | "not_oauth" => 9,
            _ => 10,
        };
        let text = self.failures()[reason];
        let looks_like_a_code = (1..=64).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if looks_like_a_code {
            format!("{text} ({code})")
        } else {
            text.to_string()
        }
    }

    /// "Could not connect {provider}: {reason}", and the provider's HTTP status when it refused
    /// a credential.
    pub fn connect_failed(self, provider: Option<&str>, code: &str, status: Option<u16>) -> String {
        let [could_not, the_provider, answered] = self.failure_frame();
        let name = provider.unwrap_or(the_provider);
        let mut text = could_not.replacen("{}", name, 1).replacen("{}", &self.connect_failure(code), 1);
        if let Some(status) = status {
            text.push(' ');
            text.push_str(&answered.replacen("{}", name, 1).replacen("{}", &status.to_string(), 1));
        }
        text
    }

    fn failure_frame(self) -> [&'static str; 3] {
        match self {
            Locale::En => ["Could not connect {}: {}", "the provider", "{} answered HTTP {}."],
            Locale::Fr => ["Impossible de connecter {} : {}", "le fournisseur", "{} a répondu HTTP {}."],
            Locale::De => ["{} konnte nicht verbunden werden: {}", "Der Anbieter", "{} antwortete mit HTTP {}."],
            Locale::Es => ["No se pudo conectar {}: {}", "el proveedor", "{} respondió HTTP {}."],
            Locale::Ja => ["{}に接続できませんでした：{}", "プロバイダー", "{}の応答はHTTP {}でした。"],
        }
    }

    fn failures(self) -> &'static [&'static str; 11] {
        match self {
            Locale::En => &[
                "You declined access at the provider.",
                "The provider refused the permissions Plumb asked for.",
                "The provider could not be reached. Try again in a moment.",
                "This sign-in expired or was already used. Start connecting again.",
                "The answer came from another sign-in service than the one asked. Start connecting again.",
                "The provider refused these credentials. Check them and try again.",
                "A value you entered is not in the expected form. Check it and try again.",
                "A required value is missing. Fill in every field and try again.",
                "That address cannot be used: it points to a network Plumb does not call.",
                "This provider is not connected this way.",
                "The provider did not authorize the connection.",
            ],
            Locale::Fr => &[
                "Vous avez refusé l'accès chez le fournisseur.",
                "Le fournisseur a refusé les autorisations demandées par Plumb.",
                "Le fournisseur est injoignable. Réessayez dans un instant.",
                "Cette connexion a expiré ou a déjà été utilisée. Recommencez.",
                "La réponse vient d'un autre service de connexion que celui interrogé. Recommencez.",
                "Le fournisseur a refusé ces identifiants. Vérifiez-les et réessayez.",
                "Une valeur saisie n'a pas la forme attendue. Vérifiez-la et réessayez.",
                "Une valeur obligatoire manque. Remplissez chaque champ et réessayez.",
                "Cette adresse ne peut pas être utilisée : elle mène à un réseau que Plumb n'appelle pas.",
                "Ce fournisseur ne se connecte pas de cette façon.",
                "Le fournisseur n'a pas autorisé la connexion.",
            ],
            Locale::De => &[
                "Sie haben den Zugriff beim Anbieter abgelehnt.",
                "Der Anbieter hat die von Plumb angefragten Berechtigungen abgelehnt.",
                "Der Anbieter ist nicht erreichbar. Versuchen Sie es gleich noch einmal.",
                "Diese Anmeldung ist abgelaufen oder wurde schon verwendet. Beginnen Sie erneut.",
                "Die Antwort kam von einem anderen Anmeldedienst als dem angefragten. Beginnen Sie erneut.",
                "Der Anbieter hat diese Zugangsdaten abgelehnt. Prüfen Sie sie und versuchen Sie es erneut.",
                "Ein eingegebener Wert hat nicht die erwartete Form. Prüfen Sie ihn und versuchen Sie es erneut.",
                "Ein Pflichtwert fehlt. Füllen Sie jedes Feld aus und versuchen Sie es erneut.",
                "Diese Adresse ist nicht nutzbar: Sie führt in ein Netz, das Plumb nicht aufruft.",
                "Dieser Anbieter wird nicht auf diese Weise verbunden.",
                "Der Anbieter hat die Verbindung nicht autorisiert.",
            ],
            Locale::Es => &[
                "Rechazaste el acceso en el proveedor.",
                "El proveedor rechazó los permisos que Plumb solicitó.",
                "No se pudo contactar con el proveedor. Inténtalo de nuevo en un momento.",
                "Este inicio de sesión caducó o ya se usó. Vuelve a conectar.",
                "La respuesta vino de otro servicio de inicio de sesión distinto del consultado. Vuelve a conectar.",
                "El proveedor rechazó estas credenciales. Revísalas e inténtalo de nuevo.",
                "Un valor introducido no tiene la forma esperada. Revísalo e inténtalo de nuevo.",
                "Falta un valor obligatorio. Rellena todos los campos e inténtalo de nuevo.",
                "Esa dirección no se puede usar: apunta a una red a la que Plumb no llama.",
                "Este proveedor no se conecta de esta forma.",
                "El proveedor no autorizó la conexión.",
            ],
            Locale::Ja => &[
                "プロバイダーでアクセスを拒否しました。",
                "プロバイダーがPlumbの要求した権限を拒否しました。",
                "プロバイダーに接続できません。しばらくしてからもう一度お試しください。",
                "このサインインは期限切れか、すでに使用されています。もう一度接続してください。",
                "要求したものとは別のサインインサービスから応答がありました。もう一度接続してください。",
                "プロバイダーがこの認証情報を拒否しました。確認してもう一度お試しください。",
                "入力した値の形式が正しくありません。確認してもう一度お試しください。",
                "必須の値がありません。すべての項目を入力してもう一度お試しください。",
                "このアドレスは使用できません。Plumbが接続しないネットワークを指しています。",
                "このプロバイダーはこの方法では接続できません。",
                "プロバイダーが接続を承認しませんでした。",
            ],
        }
    }
}

#[cfg(any(feature = "ssr", test))]
/// A `q=` value in thousandths (`0.8` is 800); `None` when it is not one.
fn parse_quality(text: &str) -> Option<u16> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(any(feature = "ssr", test))]
const EN: [&str; COUNT] = [
    "Connected accounts",
    "No integrations are available yet.",
    "Connect",
    "Reauthorize",
    "Disconnect",
    "Add another account",
    "Rename",
    "Save",
    "Connect {}",
    "Reauthorize {}",
    "Disconnect {}",
    "Add another {} account",
    "Rename {}",
    "Name for {}",
    "Save {} credentials",
    "Connect with an API key",
    "API key",
    "Connect with a user name and password",
    "Connect with client credentials",
    "Client ID",
    "Client secret",
    "Not connected",
    "Shared by your organization",
    "Connected",
    "Needs reauthorization",
    "Your organization's administrators manage this connection.",
    "Account {}",
    "Connected {}",
    "Defaults to {} when left blank.",
    "{} is not in the expected form.",
    "Connections",
    "User name",
    "Password",
];

#[cfg(any(feature = "ssr", test))]
const FR: [&str; COUNT] = [
    "Comptes connectés",
    "Aucune intégration n'est encore disponible.",
    "Connecter",
    "Réautoriser",
    "Déconnecter",
    "Ajouter un autre compte",
    "Renommer",
    "Enregistrer",
    "Connecter {}",
    "Réautoriser {}",
    "Déconnecter {}",
    "Ajouter un autre compte {}",
    "Renommer {}",
    "Nom pour {}",
    "Enregistrer les identifiants {}",
    "Connecter avec une clé d'API",
    "Clé d'API",
    "Connecter avec un nom d'utilisateur et un mot de passe",
    "Connecter avec des identifiants client",
    "ID client",
    "Secret client",
    "Non connecté",
    "Partagé par votre organisation",
    "Connecté",
    "Réautorisation requise",
    "Les administrateurs de votre organisation gèrent cette connexion.",
    "Compte {}",
    "Connecté le {}",
    "Vaut {} si laissé vide.",
    "{} n'a pas la forme attendue.",
    "Connexions",
    "Nom d'utilisateur",
    "Mot de passe",
];

#[cfg(any(feature = "ssr", test))]
const DE: [&str; COUNT] = [
    "Verbundene Konten",
    "Noch sind keine Integrationen verfügbar.",
    "Verbinden",
    "Neu autorisieren",
    "Trennen",
    "Weiteres Konto hinzufügen",
    "Umbenennen",
    "Speichern",
    "{} verbinden",
    "{} neu autorisieren",
    "{} trennen",
    "Weiteres {}-Konto hinzufügen",
    "{} umbenennen",
    "Name für {}",
    "Zugangsdaten für {} speichern",
    "Mit einem API-Schlüssel verbinden",
    "API-Schlüssel",
    "Mit Benutzername und Passwort verbinden",
    "Mit Client-Zugangsdaten verbinden",
    "Client-ID",
    "Client-Geheimnis",
    "Nicht verbunden",
    "Von Ihrer Organisation geteilt",
    "Verbunden",
    "Neu autorisieren nötig",
    "Die Administratoren Ihrer Organisation verwalten diese Verbindung.",
    "Konto {}",
    "Verbunden am {}",
    "Leer gelassen gilt {}.",
    "{} hat nicht die erwartete Form.",
    "Verbindungen",
    "Benutzername",
    "Passwort",
];

#[cfg(any(feature = "ssr", test))]
const ES: [&str; COUNT] = [
    "Cuentas conectadas",
    "Todavía no hay integraciones disponibles.",
    "Conectar",
    "Volver a autorizar",
    "Desconectar",
    "Añadir otra cuenta",
    "Renombrar",
    "Guardar",
    "Conectar {}",
    "Volver a autorizar {}",
    "Desconectar {}",
    "Añadir otra cuenta de {}",
    "Renombrar {}",
    "Nombre para {}",
    "Guardar credenciales de {}",
    "Conectar con una clave de API",
    "Clave de API",
    "Conectar con usuario y contraseña",
    "Conectar con credenciales de cliente",
    "ID de cliente",
    "Secreto de cliente",
    "Sin conectar",
    "Compartida por tu organización",
    "Conectada",
    "Requiere volver a autorizar",
    "Los administradores de tu organización gestionan esta conexión.",
    "Cuenta {}",
    "Conectada el {}",
    "Si se deja en blanco, vale {}.",
    "{} no tiene la forma esperada.",
    "Conexiones",
    "Usuario",
    "Contraseña",
];

#[cfg(any(feature = "ssr", test))]
const JA: [&str; COUNT] = [
    "接続済みアカウント",
    "利用できる連携はまだありません。",
    "接続",
    "再認証",
    "接続解除",
    "別のアカウントを追加",
    "名前を変更",
    "保存",
    "{}に接続",
    "{}を再認証",
    "{}の接続を解除",
    "別の{}アカウントを追加",
    "{}の名前を変更",
    "{}の名前",
    "{}の認証情報を保存",
    "APIキーで接続",
    "APIキー",
    "ユーザー名とパスワードで接続",
    "クライアント認証情報で接続",
    "クライアントID",
    "クライアントシークレット",
    "未接続",
    "組織で共有",
    "接続済み",
    "再認証が必要",
    "この接続は組織の管理者が管理しています。",
    "アカウント{}",
    "接続日：{}",
    "空欄の場合は{}になります。",
    "{}の形式が正しくありません。",
    "接続",
    "ユーザー名",
    "パスワード",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_wins_then_the_best_accept_language_then_english() {
        assert_eq!(Locale::negotiate(Some("ja-JP"), Some("fr")), Locale::Ja);
        assert_eq!(Locale::negotiate(Some("pt-BR"), Some("de-DE,de;q=0.9")), Locale::De);
        assert_eq!(Locale::negotiate(None, Some("pt-BR, es;q=0.5, fr;q=0.8")), Locale::Fr);
        assert_eq!(Locale::negotiate(None, Some("fr;q=0, en;q=0.1")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("es-MX,es;q=0.9,en;q=0.8")), Locale::Es);
        assert_eq!(Locale::negotiate(None, Some("zz, *;q=0.5")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("de;q=1.5, fr;q=abc")), Locale::En);
        assert_eq!(Locale::negotiate(None, None), Locale::En);
    }

    #[test]
    fn every_language_has_every_word_with_the_same_placeholders() {
        for locale in Locale::ALL {
            let words = locale.words();
            assert_eq!(words.0.len(), COUNT);
            for (i, (word, english)) in words.0.iter().zip(EN).enumerate() {
                assert!(!word.is_empty(), "{} word {i} is empty", locale.tag());
                assert_eq!(word.matches("{}").count(), english.matches("{}").count(), "{} word {i}", locale.tag());
            }
            let [a, _, b] = locale.failure_frame();
            assert_eq!((a.matches("{}").count(), b.matches("{}").count()), (2, 2), "{}", locale.tag());
        }
    }

    #[test]
    fn a_failure_names_its_reason_in_the_language_and_never_shows_free_text() {
        assert_eq!(
            Locale::Fr.connect_failed(Some("GitHub"), "access_denied", None),
            "Impossible de connecter GitHub : Vous avez refusé l'accès chez le fournisseur. (access_denied)"
        );
        assert_eq!(
            Locale::En.connect_failed(None, "credential_rejected", Some(401)),
            "Could not connect the provider: The provider refused these credentials. Check them and try again. \
             (credential_rejected) the provider answered HTTP 401."
        );
        let phishing = Locale::De.connect_failure("Session expired. Re-enter your password at evil.example");
        assert_eq!(phishing, "Der Anbieter hat die Verbindung nicht autorisiert.");
    }

    #[test]
    fn words_fill_their_placeholder() {
        let words = Locale::Ja.words();
        assert_eq!(words.fill(W::DisconnectNamed, "GitHub"), "GitHubの接続を解除");
        assert_eq!(Words::default().get(W::Heading), "");
    }
}
