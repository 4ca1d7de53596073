//! File transfer: FTP, FTPS, SFTP and local transports, and the file transfer job (JobDefDO 3).
