//! The root's user and group databases: names to numeric ids (`/etc/passwd`, `/etc/group`) and the
//! password field of `/etc/shadow`, all read beneath the root.

/// A user's entry in `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

/// The users of a `passwd` file (malformed lines are skipped, as glibc's files backend does).
pub fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 7 || fields[0].is_empty() {
                return None;
            }
            Some(User {
                name: fields[0].to_string(),
                uid: fields[2].parse().ok()?,
                gid: fields[3].parse().ok()?,
                home: fields[5].to_string(),
            })
        })
        .collect()
}

/// The `(name, gid)` pairs of a `group` file.
pub fn parse_group(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 3 || fields[0].is_empty() {
                return None;
            }
            Some((fields[0].to_string(), fields[2].parse().ok()?))
        })
        .collect()
}

/// `shadow` with `user`'s password field set to `hash` and its date of last change to `today`
/// (days since 1970-01-01), as `usermod -p` does. `None` when the user has no entry; the text
/// unchanged when the hash is already set.
pub fn set_password(shadow: &str, user: &str, hash: &str, today: u64) -> Option<String> {
    let mut found = false;
    let mut out = String::with_capacity(shadow.len() + hash.len());
    for line in shadow.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let mut fields: Vec<String> = body.split(':').map(str::to_string).collect();
        if !found && fields.len() >= 3 && fields[0] == user {
            found = true;
            if fields[1] != hash {
                fields[1] = hash.to_string();
                fields[2] = today.to_string();
            }
            out.push_str(&fields.join(":"));
        } else {
            out.push_str(body);
        }
        out.push_str(end);
    }
    found.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_parse() {
        let users =
            parse_passwd("root:x:0:0:root:/root:/bin/bash\n# c\nbad\ncore:x:1000:1001:Core:/var/home/core:/bin/bash\n");
        assert_eq!(users.len(), 2);
        assert_eq!(users[1], User { name: "core".into(), uid: 1000, gid: 1001, home: "/var/home/core".into() });
        assert_eq!(parse_group("root:x:0:\nwheel:x:10:core\n"), [("root".into(), 0), ("wheel".into(), 10)]);
    }

    #[test]
    fn set_password_sets_the_hash_and_the_date_once() {
        let shadow = "root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\n";
        let new = set_password(shadow, "core", "$6$x$y", 20000).unwrap();
        assert_eq!(new, "root:*:19000:0:99999:7:::\ncore:$6$x$y:20000:0:99999:7:::\n");
        assert_eq!(set_password(&new, "core", "$6$x$y", 20001).unwrap(), new, "unchanged when already set");
        assert!(set_password(shadow, "nobody", "x", 1).is_none());
    }
}
