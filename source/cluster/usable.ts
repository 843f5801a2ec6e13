import { ClusterError } from "./errors.ts";
import type { ClusterEntry, UserEntry } from "./kubeconfig.ts";

interface Chosen {
  clusterName: string;
  cluster: ClusterEntry;
  userName: string;
  user: UserEntry;
  /** The kubeconfig file(s), for messages. */
  source: string;
}

const INTERACTIVE_MODES = new Set(["Never", "IfAvailable", "Always"]);

/**
 * The checks kubectl makes of the cluster and user a command is about to use (client-go's
 * ConfirmUsable and its TLS setup), so a kubeconfig kubectl refuses is refused here too, before
 * anything is sent, instead of being used in some way of our own. Only the chosen entries are
 * checked: a broken user elsewhere in the file is none of this command's business.
 */
export function checkUsable({ clusterName, cluster, userName, user, source }: Chosen): void {
  const theCluster = `cluster "${clusterName}" of kubeconfig ${source}`;
  const theUser = `user "${userName}" of kubeconfig ${source}`;
  const refuse = (message: string) => {
    throw new ClusterError(message, "kubeconfig");
  };

  if (cluster.certificateAuthority && cluster.certificateAuthorityData)
    refuse(
      `${theCluster} has both certificate-authority-data and certificate-authority, which kubectl refuses; keep one of them`,
    );
  if (cluster.insecureSkipTlsVerify && (cluster.certificateAuthority || cluster.certificateAuthorityData))
    refuse(
      `${theCluster} sets insecure-skip-tls-verify together with a certificate authority, which kubectl refuses; remove one of them`,
    );

  const ways = [
    ...(user.token ? ["a token"] : []),
    ...(user.username || user.password ? ["a username and password"] : []),
  ];
  if (ways.length > 1)
    refuse(
      `${theUser} has more than one way to authenticate (${ways.join(" and ")}); kubectl allows one, so keep one`,
    );
  if (user.clientCertificate || user.clientCertificateData) {
    if (user.clientCertificate && user.clientCertificateData)
      refuse(
        `${theUser} has both client-certificate-data and client-certificate, which kubectl refuses; keep one`,
      );
    if (user.clientKey && user.clientKeyData)
      refuse(`${theUser} has both client-key-data and client-key, which kubectl refuses; keep one`);
    if (!user.clientKey && !user.clientKeyData)
      refuse(`${theUser} has a client certificate without a key; add client-key or client-key-data`);
  }

  const { exec } = user;
  if (exec) {
    const plugin = `the exec plugin of ${theUser}`;
    if (user.authProvider)
      refuse(
        `${theUser} has both an exec plugin and an auth-provider, which kubectl refuses; keep the exec plugin`,
      );
    if (!exec.command) refuse(`${plugin} has no command; set users[].user.exec.command`);
    if (!exec.apiVersion)
      refuse(`${plugin} has no apiVersion; set it to the one the plugin's documentation gives`);
    if (exec.env?.some((e) => !e.name))
      refuse(`${plugin} has an env entry without a name; name it or remove it`);
    if (!exec.interactiveMode)
      refuse(
        `${plugin} has no interactiveMode, which ${exec.apiVersion} requires; set it to IfAvailable, Never or Always`,
      );
    else if (!INTERACTIVE_MODES.has(exec.interactiveMode))
      refuse(
        `${plugin} has interactiveMode "${exec.interactiveMode}"; it must be IfAvailable, Never or Always`,
      );
  }

  const extra = Object.keys(user.impersonateExtra ?? {}).length > 0;
  if (!user.impersonateUser && (user.impersonateUid || user.impersonateGroups?.length || extra))
    refuse(
      `${theUser} impersonates groups, a uid or extra fields without a user to impersonate; add "as" or remove them`,
    );
}
