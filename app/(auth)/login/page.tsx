import { AuthForm } from "@/components/shell/auth-form";

export default function LoginPage() {
  return <AuthForm mode="login" />;
}
